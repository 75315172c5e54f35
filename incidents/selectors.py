"""Reads that need more than a one-line query."""

import functools

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Category, FollowUp, Incident, Post, PostEvent, PostStatus
from incidents.references import normalise_reference
from precincts import access
from tracker.keyset import Page, after, decode_cursor, newest_first, page_of, paginate
from tracker.prepared import NO_MOMENT, PreparedRead

User = get_user_model()
DESK_PAGE_SIZE = 25
STALE_AFTER = timezone.timedelta(days=7)


# What a row of the desk list shows (the category and precinct names come from
# lists the page reads anyway).
DESK_ROW_FIELDS = (
    "pk",
    "reference",
    "precinct_id",
    "category_id",
    "status",
    "public_summary",
    "public_location",
    "reported_at",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def incident_desk_list(*, user, filters: dict, cursor: str | None, page_size: int = DESK_PAGE_SIZE) -> Page:
    """A page of the incidents of the user's precincts, newest reported first.

    The items are named tuples of DESK_ROW_FIELDS, not model instances: the
    list is read far more often than anything else on the desk.
    """
    precinct_ids = access.precinct_ids_for(user)
    if not precinct_ids:
        return Page(items=[], next_cursor=None)
    if not any(filters.values()):
        # The plain list, most of the desk's traffic: a compiled read (one per number of precincts).
        position = decode_cursor(cursor)
        read = _plain_desk_read(len(precinct_ids), page_size, position is not None)
        return page_of(read(*precinct_ids, *(position or ())), field="reported_at", size=page_size)
    if filters.get("precinct"):
        precinct_ids = [pid for pid in precinct_ids if pid == filters["precinct"]]
    qs = Incident.objects.all()
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category_id=filters["category"])
    if filters.get("mine"):
        qs = qs.filter(assignee=user)
    if filters.get("stale"):
        qs = qs.filter(status__in=OPEN_STATUSES, last_activity_at__lt=timezone.now() - STALE_AFTER)
    if query := (filters.get("q") or "").strip():
        qs = qs.filter(_search(query))
    rows = qs.values_list(*DESK_ROW_FIELDS, named=True)
    return paginate(rows, field="reported_at", cursor=cursor, size=page_size, among=("precinct_id", precinct_ids))


@functools.lru_cache(maxsize=32)
def _plain_desk_read(precincts: int, page_size: int, after_cursor: bool) -> PreparedRead:
    """The unfiltered desk list of a user with this many precincts, from the start or after a cursor."""

    def build(*values):
        rows = Incident.objects.values_list(*DESK_ROW_FIELDS, named=True)
        if after_cursor:
            rows = after(rows, field="reported_at", moment=values[precincts], pk=values[precincts + 1])
        return newest_first(rows, field="reported_at", size=page_size + 1, among=("precinct_id", values[:precincts]))

    samples = [-1 - n for n in range(precincts)]  # distinct ids no precinct has
    return PreparedRead(Incident, build, *samples, *((NO_MOMENT, -1 - precincts) if after_cursor else ()))


def desk_categories() -> tuple[tuple[int, str], ...]:
    """(id, name) of every category, by name (retired ones too: old reports keep theirs)."""
    return tuple(_category_pairs())


_category_pairs = PreparedRead(Category, lambda: Category.objects.values_list("pk", "name"))


def _search(query: str) -> Q:
    """A reference, or every word somewhere in the report's text, in any order."""
    text = Q()
    for word in query.split()[:8]:
        text &= (
            Q(public_summary__icontains=word)
            | Q(public_location__icontains=word)
            | Q(internal_narrative__icontains=word)
            | Q(reporter_name__icontains=word)
        )
    reference = normalise_reference(query)
    return Q(reference=reference) | text if reference else text


def incident_for_desk(*, user, reference: str) -> Incident:
    """The incident with this reference, if the user belongs to its precinct; 404 otherwise."""
    canonical = normalise_reference(reference)
    if canonical is None:
        raise Http404("No such report.")
    incident = (
        Incident.objects.select_related("precinct", "category", "assignee", "created_by", "duplicate_of")
        .filter(reference=canonical, precinct_id__in=access.precinct_ids_for(user))
        .first()
    )
    if incident is None:
        raise Http404("No such report.")
    return incident


def incident_history(incident: Incident) -> list[FollowUp]:
    return list(
        incident.followups.select_related("author", "assigned_to", "assigned_from", "duplicate_of").order_by(
            "created_at", "id"
        )
    )


def precinct_staff(precinct_id: int) -> list:
    """Officers and supervisors of a precinct, for the assignee choices."""
    return list(
        User.objects.filter(memberships__precinct_id=precinct_id, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )


# --- posts ---------------------------------------------------------------------

REVIEW_DECISIONS = (PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED, PostStatus.REJECTED)


def post_for_desk(*, user, post_id: int) -> Post:
    """The post, if the user belongs to its precinct; 404 otherwise."""
    post = (
        Post.objects.select_related("precinct", "incident__category", "incident__precinct", "author", "reviewer")
        .filter(pk=post_id, precinct_id__in=access.precinct_ids_for(user))
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    return post


def post_desk_list(
    *, user, status: str | None, mine: bool, cursor: str | None, page_size: int = DESK_PAGE_SIZE
) -> Page:
    qs = Post.objects.select_related("precinct", "author", "incident")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(author=user)
    precincts = ("precinct_id", access.precinct_ids_for(user))
    return paginate(qs, field="created_at", cursor=cursor, size=page_size, among=precincts)


def last_seen_bodies(posts) -> dict[int, str]:
    """For each post, the text as it stood at the last supervisor decision (if any)."""
    seen: dict[int, str] = {}
    # A decision is a move out of review; the author's later edits don't count as "seen".
    events = PostEvent.objects.filter(
        post__in=posts, from_status=PostStatus.IN_REVIEW, to_status__in=REVIEW_DECISIONS
    ).order_by("post_id", "created_at", "id")
    for event in events.only("post_id", "body"):
        seen[event.post_id] = event.body
    return seen


def review_queue(*, user, limit: int = 100) -> list[Post]:
    """Posts waiting for review in the precincts the user supervises, oldest first."""
    precinct_ids = access.precinct_ids_for(user, role="supervisor")
    return list(
        Post.objects.filter(precinct_id__in=precinct_ids, status=PostStatus.IN_REVIEW)
        .select_related("precinct", "author", "incident__category", "incident__precinct")
        .order_by("updated_at", "id")[:limit]
    )


def post_history(post: Post) -> list[PostEvent]:
    return list(post.events.select_related("actor").order_by("created_at", "id"))
