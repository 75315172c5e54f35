"""What each public page depends on, and the changes that refresh it (see tracker.conditional).

Scopes: "site" (every page: precinct and category names), "city" (the home
page, city feeds and the city's API list), "precinct:<slug>" (a timeline, its
numbers, feeds and API list), "report:<reference>" and "post:<id>". The
services call `post_changed` and `report_changed` in the transaction that
makes the change; admin edits of precincts, categories and reports arrive
through the signals below.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from incidents import public
from incidents.models import Category, Incident, Post
from precincts.models import Precinct
from tracker.conditional import Scope, touch

CITY = Scope("city", public.city_changed_at)


def precinct_scope(slug: str, load) -> Scope:
    """A precinct's public record. `load` returns the precinct (404 if not public), which the page reuses,
    so the marker costs no query of its own."""
    return Scope(f"precinct:{slug}", lambda: load().public_changed_at)


def report_scope(reference: str, load) -> Scope:
    """A report's public record. `load` returns the report's row (`public.public_report_row`, 404 if not
    public), which the page reuses."""

    def marker():
        incident = load()
        return max(incident.updated_at, incident.precinct__public_changed_at)

    return Scope(f"report:{reference}", marker)


def post_scope(post_id: int, load) -> Scope:
    def marker():
        post = load()
        return post.retracted_at or post.published_at

    return Scope(f"post:{post_id}", marker)


def post_changed(post: Post) -> None:
    """A post was published or withdrawn: its precinct's pages, the city's, its report's and its own page."""
    if not settings.PUBLIC_MARKERS_IN_CACHE:
        return  # the markers are read from the database
    slug, reference = Post.objects.filter(pk=post.pk).values_list("precinct__slug", "incident__reference").get()
    names = ["city", f"precinct:{slug}", f"post:{post.pk}"]
    if reference:
        names.append(f"report:{reference}")
    touch(*names)


def report_changed(reference: str) -> None:
    touch(f"report:{reference}")


@receiver([post_save, post_delete], sender=Precinct, dispatch_uid="freshness_precinct")
@receiver([post_save, post_delete], sender=Category, dispatch_uid="freshness_category")
def _site_changed(sender, **kwargs) -> None:
    if sender is Category:
        public.forget_category_choices()
    touch("site")


@receiver(post_save, sender=Incident, dispatch_uid="freshness_incident")
def _incident_saved(instance: Incident, **kwargs) -> None:
    touch(f"report:{instance.reference}")
