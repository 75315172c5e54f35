"""Reads for the public surfaces: pages, feeds, the public API.

Everything here selects public fields only (`.only(...)`), so a private
field is never even loaded on a public code path.
"""

from datetime import datetime

from django.db.models import Max, Prefetch
from django.http import Http404

from incidents.models import PUBLIC_POST_STATUSES, Category, FollowUp, Incident, Post
from incidents.references import normalise_reference
from precincts.models import Precinct
from tracker.keyset import Page, paginate

TIMELINE_PAGE_SIZE = 20

PRECINCT_FIELDS = ("id", "name", "slug", "code", "area", "address", "phone", "about", "timezone", "public_changed_at")
POST_FIELDS = (
    "id",
    "kind",
    "body",
    "status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "precinct_id",
    "category_id",
    "incident_id",
    "incident__reference",
    "category__name",
    "category__slug",
    "precinct__name",
    "precinct__slug",
    "precinct__timezone",
)
INCIDENT_FIELDS = (
    "id",
    "reference",
    "status",
    "public_summary",
    "public_location",
    "reported_at",
    "resolved_at",
    "updated_at",
    "precinct_id",
    "category_id",
    "category__name",
    "category__slug",
    "precinct__name",
    "precinct__slug",
    "precinct__timezone",
    "precinct__is_active",
    "precinct__public_changed_at",
)


def public_precincts():
    return Precinct.objects.active().only(*PRECINCT_FIELDS).order_by("name")


def public_precinct(slug: str) -> Precinct:
    precinct = public_precincts().filter(slug=slug).first()
    if precinct is None:
        raise Http404("No such precinct.")
    return precinct


def city_changed_at():
    """When anything public last changed, city-wide (for the home page and city feeds)."""
    return Precinct.objects.active().aggregate(changed=Max("public_changed_at"))["changed"]


def public_posts():
    """Published and withdrawn posts of active precincts, with what a post card shows."""
    return (
        Post.objects.filter(status__in=PUBLIC_POST_STATUSES, precinct__is_active=True)
        .select_related("precinct", "incident", "category")
        .only(*POST_FIELDS)
    )


def timeline_page(
    *, precinct: Precinct | None, category: Category | None, cursor: str | None, size: int = TIMELINE_PAGE_SIZE
) -> Page:
    """A page of the timeline, newest first (keyset on published_at, id; no OFFSET)."""
    posts = public_posts()
    if precinct is not None:
        posts = posts.filter(precinct=precinct)
    if category is not None:
        posts = posts.filter(category=category)
    return paginate(posts, field="published_at", cursor=cursor, size=size)


def public_post(post_id: int) -> Post:
    post = public_posts().filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def public_categories():
    return Category.objects.filter(is_active=True).only("id", "name", "slug").order_by("name")


def public_report_marker(reference: str) -> tuple[str, datetime]:
    """(canonical reference, when anything public about it last changed): one small query; 404 otherwise."""
    canonical = normalise_reference(reference)
    row = (
        Incident.objects.filter(reference=canonical, precinct__is_active=True)
        .values_list("updated_at", "precinct__public_changed_at")
        .first()
        if canonical
        else None
    )
    if row is None:
        raise Http404("No such report.")
    return canonical, max(row)


def public_report(reference: str) -> Incident:
    """A report by its reference, with its dated public notes and public posts; 404 otherwise."""
    canonical = normalise_reference(reference)
    if canonical is None:
        raise Http404("No such report.")
    notes = FollowUp.objects.exclude(public_note="").only("id", "incident_id", "public_note", "created_at")
    posts = Post.objects.filter(status__in=PUBLIC_POST_STATUSES).only(
        "id", "incident_id", "kind", "body", "status", "published_at", "retracted_at", "retraction_reason"
    )
    incident = (
        Incident.objects.filter(reference=canonical, precinct__is_active=True)
        .select_related("category", "precinct")
        .only(*INCIDENT_FIELDS)
        .prefetch_related(
            Prefetch("followups", queryset=notes.order_by("created_at", "id"), to_attr="public_notes"),
            Prefetch("posts", queryset=posts.order_by("published_at", "id"), to_attr="public_posts"),
        )
        .first()
    )
    if incident is None:
        raise Http404("No such report.")
    return incident
