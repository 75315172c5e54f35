"""Reads for the public surfaces: pages, feeds, the public API.

Everything here selects public fields only (`.only(...)`, or `.values_list(...)`
of named public fields), so a private field is never even loaded on a public
code path.
"""

import functools
import time
from dataclasses import dataclass

from django.db.models import Max, Prefetch
from django.http import Http404

from incidents.models import PUBLIC_POST_STATUSES, Category, FollowUp, Incident, Post
from incidents.references import normalise_reference
from precincts.models import Precinct
from tracker.keyset import Page, after, decode_cursor, page_of
from tracker.prepared import NO_MOMENT, PreparedRead

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


# The querysets below are built once, at import: resolving a queryset's lookups and fields costs
# more than running these small queries, so each read starts from a copy (`.all()`, `.filter()`).
# Never evaluate them themselves: their result cache would be shared by every request.
_PRECINCTS = Precinct.objects.active().only(*PRECINCT_FIELDS).order_by("name")
_CATEGORIES = Category.objects.filter(is_active=True).only("id", "name", "slug").order_by("name")
_POSTS = (
    Post.objects.filter(status__in=PUBLIC_POST_STATUSES, precinct__is_active=True)
    .select_related("precinct", "incident", "category")
    .only(*POST_FIELDS)
)


def _unique(queryset):
    """The row a lookup of a unique field finds, or None: like `.first()`, without its ORDER BY."""
    return next(iter(queryset.order_by()[:1]), None)


def public_precincts():
    return _PRECINCTS.all()


def public_precinct(slug: str) -> Precinct:
    precinct = _unique(_PRECINCTS.filter(slug=slug))
    if precinct is None:
        raise Http404("No such precinct.")
    return precinct


# The precinct a public page shows, as a named row; `pk` first, so code that reads `precinct.pk` takes either.
PRECINCT_ROW_FIELDS = ("pk", *PRECINCT_FIELDS[1:])
# Samples for prepared reads (tracker.prepared): values no row has, marking where a query's values go.
_NO_SLUG = "\x00no such slug"
_NO_REFERENCE = "\x00no such reference"
_precinct_rows = PreparedRead(
    Precinct,
    lambda slug: _PRECINCTS.filter(slug=slug).order_by().values_list(*PRECINCT_ROW_FIELDS, named=True)[:1],
    _NO_SLUG,
)


def public_precinct_row(slug: str):
    """An active precinct as a named row of PRECINCT_ROW_FIELDS: one prepared query; 404 otherwise."""
    rows = _precinct_rows(slug)
    if not rows:
        raise Http404("No such precinct.")
    return rows[0]


def request_precinct_row(request, slug: str):
    """`public_precinct_row`, read once per request (a page's marker and its body both need it)."""
    read = getattr(request, "_public_precinct_rows", None)
    if read is None:
        read = request._public_precinct_rows = {}
    if slug not in read:
        read[slug] = public_precinct_row(slug)
    return read[slug]


def city_changed_at():
    """When anything public last changed, city-wide (for the home page and city feeds)."""
    return Precinct.objects.active().aggregate(changed=Max("public_changed_at"))["changed"]


def public_posts():
    """Published and withdrawn posts of active precincts, with what a post card shows."""
    return _POSTS.all()


# What a post card shows, read as plain rows: the timeline and the home page show many cards, and
# building model instances (with their precinct, report and category) cost more than the query.
POST_CARD_FIELDS = (
    "pk",
    "kind",
    "body",
    "status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "category__name",
    "incident__reference",
    "precinct__name",
    "precinct__slug",
    "precinct__timezone",
)
_POST_CARDS = Post.objects.filter(status__in=PUBLIC_POST_STATUSES, precinct__is_active=True).values_list(
    *POST_CARD_FIELDS, named=True
)


def timeline_rows(*, precinct, category, cursor: str | None, size: int = TIMELINE_PAGE_SIZE) -> Page:
    """A page of the timeline, newest first (keyset on published_at, id; no OFFSET), as named rows of
    POST_CARD_FIELDS (for `presentation.Cards.from_row`).

    `precinct` is a Precinct or a `public_precinct_row`, `category` a Category or a row of
    `category_choices`; either may be None. One prepared query.
    """
    position = decode_cursor(cursor)
    read = _timeline_read(size, precinct is not None, category is not None, position is not None)
    values = [chosen.pk for chosen in (precinct, category) if chosen is not None]
    return page_of(read(*values, *(position or ())), field="published_at", size=size)


@functools.cache
def _timeline_read(size: int, by_precinct: bool, by_category: bool, after_cursor: bool) -> PreparedRead:
    """The timeline's read for one shape of page: what it filters on, and whether it starts at a cursor."""

    def build(*values):
        values = iter(values)
        posts = _POST_CARDS
        if by_precinct:
            posts = posts.filter(precinct_id=next(values))
        if by_category:
            posts = posts.filter(category_id=next(values))
        if after_cursor:
            posts = after(posts, field="published_at", moment=next(values), pk=next(values))
        return posts.order_by("-published_at", "-pk")[: size + 1]

    wanted = ((-1, by_precinct), (-2, by_category), (NO_MOMENT, after_cursor), (-3, after_cursor))
    return PreparedRead(Post, build, *(sample for sample, used in wanted if used))


def public_post(post_id: int) -> Post:
    post = _unique(_POSTS.filter(pk=post_id))
    if post is None:
        raise Http404("No such post.")
    return post


def public_categories():
    return _CATEGORIES.all()


_CATEGORY_CHOICES = _CATEGORIES.values_list("pk", "slug", "name", named=True)
CATEGORY_CHOICES_SECONDS = 60


_category_choices_read: tuple[float, list] = (0.0, [])


def category_choices() -> list:
    """`public_categories` as named rows (pk, slug, name), by name: for the pages' filter and tables.

    Kept in the process for `CATEGORY_CHOICES_SECONDS`: categories change a few times a year, and
    the timeline would otherwise spend one of its three queries on them. A rename shows within that time.
    """
    global _category_choices_read
    read_at, choices = _category_choices_read
    if time.monotonic() - read_at > CATEGORY_CHOICES_SECONDS:
        choices = list(_CATEGORY_CHOICES.all())
        _category_choices_read = (time.monotonic(), choices)
    return choices


def forget_category_choices() -> None:
    """Read the categories again on next use (this process; others within `CATEGORY_CHOICES_SECONDS`)."""
    global _category_choices_read
    _category_choices_read = (0.0, [])


_REPORTS = (
    Incident.objects.filter(precinct__is_active=True).select_related("category", "precinct").only(*INCIDENT_FIELDS)
)
_PUBLIC_NOTES = (
    FollowUp.objects.exclude(public_note="")
    .only("id", "incident_id", "public_note", "created_at")
    .order_by("created_at", "id")
)
_REPORT_POSTS = (
    Post.objects.filter(status__in=PUBLIC_POST_STATUSES)
    .only("id", "incident_id", "kind", "body", "status", "published_at", "retracted_at", "retraction_reason")
    .order_by("published_at", "id")
)


def public_report(reference: str) -> Incident:
    """A report by its reference, with its dated public notes and public posts; 404 otherwise."""
    canonical = normalise_reference(reference)
    if canonical is None:
        raise Http404("No such report.")
    incident = (
        _REPORTS.filter(reference=canonical)
        .prefetch_related(
            # Copies: prefetching adds hints to the queryset it is given.
            Prefetch("followups", queryset=_PUBLIC_NOTES.all(), to_attr="public_notes"),
            Prefetch("posts", queryset=_REPORT_POSTS.all(), to_attr="public_posts"),
        )
        .first()
    )
    if incident is None:
        raise Http404("No such report.")
    return incident


@dataclass(frozen=True)
class ReportRows:
    """`public_report` as named rows: the report, its public notes and its public posts (oldest first)."""

    incident: tuple
    notes: list
    posts: list


REPORT_ROW_FIELDS = (
    "pk",
    "reference",
    "status",
    "public_summary",
    "public_location",
    "reported_at",
    "resolved_at",
    "category__name",
    "precinct__name",
    "precinct__slug",
    "precinct__timezone",
    # The page's marker: when anything public about the report last changed.
    "updated_at",
    "precinct__public_changed_at",
)
NOTE_ROW_FIELDS = ("public_note", "created_at")
REPORT_POST_ROW_FIELDS = ("pk", "body", "status", "published_at", "retracted_at", "retraction_reason")
_REPORT_ROWS = Incident.objects.filter(precinct__is_active=True).values_list(*REPORT_ROW_FIELDS, named=True)
_NOTE_ROWS = _PUBLIC_NOTES.values_list(*NOTE_ROW_FIELDS, named=True)
_REPORT_POST_ROWS = _REPORT_POSTS.values_list(*REPORT_POST_ROW_FIELDS, named=True)


_report_rows = PreparedRead(
    Incident, lambda reference: _REPORT_ROWS.filter(reference=reference).order_by()[:1], _NO_REFERENCE
)
_note_rows = PreparedRead(FollowUp, lambda incident_id: _NOTE_ROWS.filter(incident_id=incident_id), -1)
_report_post_rows = PreparedRead(Post, lambda incident_id: _REPORT_POST_ROWS.filter(incident_id=incident_id), -1)


def public_report_row(reference: str):
    """The report itself as a named row (REPORT_ROW_FIELDS); 404 otherwise."""
    canonical = normalise_reference(reference)
    rows = _report_rows(canonical) if canonical else None
    if not rows:
        raise Http404("No such report.")
    return rows[0]


def public_report_rows(reference: str, incident=None) -> ReportRows:
    """What the report page shows, without building model instances; 404 otherwise.
    `incident`: the report's row if already read (`public_report_row`)."""
    incident = incident or public_report_row(reference)
    return ReportRows(incident=incident, notes=_note_rows(incident.pk), posts=_report_post_rows(incident.pk))
