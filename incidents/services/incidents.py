"""Reports: logging them and following them up.

Each service takes `acting_user`, runs in one transaction, validates against
the current state of the database, writes, and records what happened (a
`FollowUp` and an audit entry). Refusals raise `Refused` and change nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from incidents import freshness
from incidents.models import (
    CLOSED_STATUSES,
    OUTCOMES_FOR_STATUS,
    Category,
    FollowUp,
    Incident,
    Outcome,
    Priority,
    Source,
    Status,
)
from incidents.references import new_reference, normalise_reference
from incidents.services.errors import IncidentChanged, Refused
from incidents.services.posts import post_draft_resolution
from precincts import access
from precincts.models import AuditEntry, Membership, Precinct
from tracker.audit import audit_record

User = get_user_model()

# Where each status may go next (DESIGN.md, incident lifecycle).
_CLOSING = {Status.RESOLVED, Status.REFERRED, Status.NO_ACTION, Status.DUPLICATE}
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.INVESTIGATING, Status.ACTION_SCHEDULED, *_CLOSING},
    Status.INVESTIGATING: {Status.ACTION_SCHEDULED, *_CLOSING},
    Status.ACTION_SCHEDULED: {Status.INVESTIGATING, *_CLOSING},
    # A closed report can only be reopened, with a note saying why.
    Status.RESOLVED: {Status.INVESTIGATING},
    Status.REFERRED: {Status.INVESTIGATING},
    Status.NO_ACTION: {Status.INVESTIGATING},
    Status.DUPLICATE: {Status.INVESTIGATING},
}

UNCHANGED = object()
# Closing a report in one of these states drafts a public post about it.
DRAFTED_ON_CLOSING = {Status.RESOLVED, Status.REFERRED, Status.NO_ACTION}


@dataclass(frozen=True)
class Change:
    """What one follow-up asks for. Fields left at their defaults change nothing."""

    internal_note: str = ""
    public_note: str = ""
    to_status: str = ""
    outcome: str = ""
    referred_to: str = ""
    duplicate_of_reference: str = ""
    assignee: object = UNCHANGED  # a User, None (unassign) or UNCHANGED


def _member_user(precinct_id: int, user) -> None:
    if user is not None and not Membership.objects.filter(precinct_id=precinct_id, user=user).exists():
        raise Refused("The assignee must be an officer or supervisor of this precinct.", field="assignee")


def incident_create(
    *,
    acting_user,
    precinct: Precinct,
    category: Category,
    public_summary: str,
    public_location: str,
    reported_at: datetime | None = None,
    source: str = Source.WALK_IN,
    priority: int = Priority.NORMAL,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    exact_address: str = "",
    internal_narrative: str = "",
    involved_names: str = "",
    assignee=None,
) -> Incident:
    """Log a resident's report in a precinct the acting user belongs to."""
    access.require_member(acting_user, precinct.pk)
    if not category.is_active:
        raise Refused("That category is no longer in use; choose another.", field="category")
    now = timezone.now()
    reported_at = reported_at or now
    if reported_at > now + timezone.timedelta(minutes=5):
        raise Refused("The report time cannot be in the future.", field="reported_at")
    fields = {
        "precinct": precinct,
        "category": category,
        "public_summary": public_summary.strip(),
        "public_location": public_location.strip(),
        "reported_at": reported_at,
        "source": source,
        "priority": priority,
        "reporter_name": reporter_name.strip(),
        "reporter_phone": reporter_phone.strip(),
        "reporter_email": reporter_email.strip(),
        "exact_address": exact_address.strip(),
        "internal_narrative": internal_narrative.strip(),
        "involved_names": involved_names.strip(),
        "assignee": assignee,
        "created_by": acting_user,
        "last_activity_at": now,
    }
    _member_user(precinct.pk, assignee)
    with transaction.atomic():
        incident = _create_with_fresh_reference(fields)
        FollowUp.objects.create(
            incident=incident,
            author=acting_user,
            created_at=now,
            internal_note="Report logged.",
            to_status=Status.NEW,
            assigned_to=assignee,
            changed_assignee=assignee is not None,
        )
        audit_record(
            action=AuditEntry.Action.INCIDENT_CREATED,
            actor=acting_user,
            precinct=precinct,
            obj=incident,
            detail={"reference": incident.reference},
        )
    return incident


def _create_with_fresh_reference(fields: dict) -> Incident:
    # 40 random bits rarely collide; when they do, draw again.
    for _ in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                return Incident.objects.create(reference=reference, **fields)
        except IntegrityError:
            if not Incident.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("Could not draw an unused report reference in 5 tries.")


def followup_add(*, acting_user, incident: Incident, expected_version: int, change: Change) -> FollowUp:
    """Add a note, change status or assign, as one history entry.

    `expected_version` is the incident version the acting user saw. If the
    incident changed since, nothing is written and `IncidentChanged` carries
    the current state.
    """
    access.require_member(acting_user, incident.precinct_id)
    with transaction.atomic():
        current = Incident.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=incident.pk)
        if current.version != expected_version:
            raise IncidentChanged(current)

        internal_note = change.internal_note.strip()
        public_note = change.public_note.strip()
        to_status = change.to_status if change.to_status and change.to_status != current.status else ""
        new_assignee = change.assignee
        if new_assignee is not UNCHANGED and getattr(new_assignee, "pk", None) == current.assignee_id:
            new_assignee = UNCHANGED

        if not (internal_note or public_note or to_status or new_assignee is not UNCHANGED):
            raise Refused("Nothing to record: add a note, change the status or assign someone.")

        entry = FollowUp(
            incident=current,
            author=acting_user,
            created_at=timezone.now(),
            internal_note=internal_note,
            public_note=public_note,
        )
        updates: dict = {}
        if to_status:
            updates.update(_transition(current, to_status, change, entry, has_note=bool(internal_note or public_note)))
        if new_assignee is not UNCHANGED:
            _member_user(current.precinct_id, new_assignee)
            entry.assigned_from = current.assignee
            entry.assigned_to = new_assignee
            entry.changed_assignee = True
            updates["assignee"] = new_assignee

        updates.update(last_activity_at=entry.created_at, updated_at=entry.created_at)
        # The lock makes this race-free; matching the version as well means a
        # lost race can never be silently overwritten, even without the lock.
        matched = Incident.objects.filter(pk=current.pk, version=expected_version).update(
            version=F("version") + 1, **updates
        )
        if matched != 1:
            raise IncidentChanged(Incident.objects.get(pk=current.pk))
        entry.save()
        if entry.to_status in DRAFTED_ON_CLOSING:
            # Closing a report drafts its public post, owned by the officer who closed it.
            closed = Incident.objects.select_related("precinct", "category").get(pk=current.pk)
            entry.drafted_post = post_draft_resolution(
                acting_user=acting_user, incident=closed, public_note=public_note
            )
        freshness.report_changed(current.reference)
        audit_record(
            action=AuditEntry.Action.INCIDENT_CHANGED,
            actor=acting_user,
            precinct=current.precinct,
            obj=current,
            detail=_audit_detail(entry),
        )
    incident.refresh_from_db()
    return entry


def _transition(current: Incident, to_status: str, change: Change, entry: FollowUp, *, has_note: bool) -> dict:
    """Validate a status change and return the incident fields it sets."""
    allowed = TRANSITIONS[current.status]
    if to_status not in Status.values:
        raise Refused("Choose a valid status.", field="to_status")
    if to_status not in allowed:
        names = ", ".join(sorted(Status(s).label for s in allowed))
        raise Refused(
            f"A report that is {current.get_status_display().lower()} cannot become "
            f"{Status(to_status).label.lower()}. It can become: {names}.",
            field="to_status",
        )
    entry.from_status = current.status
    entry.to_status = to_status
    if current.status in CLOSED_STATUSES:
        if not has_note:
            raise Refused("Say why the report is being reopened: add a note.", field="internal_note")
        return {"outcome": "", "referred_to": "", "duplicate_of": None, "resolved_at": None, "status": to_status}
    if to_status not in CLOSED_STATUSES:
        return {"status": to_status}

    closed = {"status": to_status, "resolved_at": entry.created_at, "referred_to": "", "duplicate_of": None}
    if to_status == Status.REFERRED:
        agency = change.referred_to.strip()
        if not agency:
            raise Refused("Name the agency the report was passed to.", field="referred_to")
        closed.update(outcome=Outcome.REFERRED, referred_to=agency)
        entry.referred_to = agency
    elif to_status == Status.DUPLICATE:
        original = _original_for_duplicate(current, change.duplicate_of_reference)
        closed.update(outcome=Outcome.DUPLICATE, duplicate_of=original)
        entry.duplicate_of = original
    else:
        if change.outcome not in OUTCOMES_FOR_STATUS[to_status]:
            choices = ", ".join(Outcome(o).label for o in OUTCOMES_FOR_STATUS[to_status])
            raise Refused(f"Choose an outcome for closing the report: {choices}.", field="outcome")
        closed["outcome"] = change.outcome
    entry.outcome = closed["outcome"]
    return closed


def _original_for_duplicate(current: Incident, typed_reference: str) -> Incident:
    reference = normalise_reference(typed_reference or "")
    if reference is None:
        raise Refused("Give the reference of the original report.", field="duplicate_of_reference")
    # Only the same precinct: another precinct's reports are not even looked up.
    original = (
        Incident.objects.select_related("duplicate_of")
        .filter(precinct_id=current.precinct_id, reference=reference)
        .first()
    )
    if original is None:
        raise Refused(f"No report {reference} in this precinct.", field="duplicate_of_reference")
    if original.pk == current.pk:
        raise Refused("A report cannot be a duplicate of itself.", field="duplicate_of_reference")
    if original.status == Status.DUPLICATE:
        # Always point at the original itself, so duplicates never form chains or loops.
        raise Refused(
            f"{reference} is itself a duplicate of {original.duplicate_of.reference}; give that reference instead.",
            field="duplicate_of_reference",
        )
    return original


def _audit_detail(entry: FollowUp) -> dict:
    detail = {"reference": entry.incident.reference}
    if entry.to_status:
        detail.update(from_status=entry.from_status, to_status=entry.to_status, outcome=entry.outcome)
    if entry.changed_assignee:
        detail["assigned_to"] = entry.assigned_to.get_username() if entry.assigned_to else None
    if entry.internal_note:
        detail["note"] = True
    if entry.public_note:
        detail["public_note"] = True
    return detail
