"""Reads that need more than a one-line query."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from incidents.models import OPEN_STATUSES, FollowUp, Incident
from incidents.references import normalise_reference
from precincts import access
from tracker.keyset import Page, paginate

User = get_user_model()
DESK_PAGE_SIZE = 25
STALE_AFTER = timezone.timedelta(days=7)


def incident_desk_list(*, user, filters: dict, cursor: str | None, page_size: int = DESK_PAGE_SIZE) -> Page:
    """A page of the incidents of the user's precincts, newest reported first."""
    precinct_ids = access.precinct_ids_for(user)
    if filters.get("precinct"):
        precinct_ids = [pid for pid in precinct_ids if pid == filters["precinct"]]
    qs = Incident.objects.filter(precinct_id__in=precinct_ids).select_related("category", "assignee", "precinct")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("mine"):
        qs = qs.filter(assignee=user)
    if filters.get("stale"):
        qs = qs.filter(status__in=OPEN_STATUSES, last_activity_at__lt=timezone.now() - STALE_AFTER)
    if query := (filters.get("q") or "").strip():
        qs = qs.filter(_search(query))
    return paginate(qs, field="reported_at", cursor=cursor, size=page_size)


def _search(query: str) -> Q:
    reference = normalise_reference(query)
    text = (
        Q(public_summary__icontains=query)
        | Q(public_location__icontains=query)
        | Q(internal_narrative__icontains=query)
        | Q(reporter_name__icontains=query)
    )
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
