"""The incident services: logging a report, and every follow-up, status change and assignment after it."""

import contextlib
import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from incidents import services
from incidents.models import OUTCOMES_FOR_STATUS, Category, FollowUp, Incident, Outcome, Status
from incidents.references import normalise_reference
from incidents.services import Change, IncidentChanged, Refused, followup_add, incident_create
from precincts.models import AuditEntry
from tests.factories import CategoryFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = sorted((frm, to) for frm, tos in services.TRANSITIONS.items() for to in tos)
REFUSED = sorted(
    (frm, to)
    for frm, to in itertools.product(Status.values, Status.values)
    if frm != to and to not in services.TRANSITIONS[frm]
)
CLOSED = [Status.RESOLVED, Status.REFERRED, Status.NO_ACTION, Status.DUPLICATE]


# --- helpers ---------------------------------------------------------------


def snapshot(incident):
    """Everything a refused change must leave exactly as it was."""
    return {
        "row": Incident.objects.filter(pk=incident.pk).values().get(),
        "incidents": Incident.objects.count(),
        "followups": FollowUp.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def nothing_written():
    return {
        "incidents": Incident.objects.count(),
        "followups": FollowUp.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def log_report(actor, precinct, category, **fields):
    fields.setdefault("public_summary", "Broken streetlight on the corner")
    fields.setdefault("public_location", "Corner of Main St and 3rd Ave")
    return incident_create(acting_user=actor, precinct=precinct, category=category, **fields)


def valid_change(to_status, original, note="Caller rang back with more detail."):
    """A change to `to_status` with everything that status needs, so only the transition itself can be refused."""
    extra = {
        Status.RESOLVED: {"outcome": Outcome.FIXED},
        Status.NO_ACTION: {"outcome": Outcome.UNFOUNDED},
        Status.REFERRED: {"referred_to": "Department of Sanitation"},
        Status.DUPLICATE: {"duplicate_of_reference": original.reference},
    }.get(to_status, {})
    return Change(to_status=to_status, internal_note=note, **extra)


def reach(incident, status, *, actor, original):
    """Bring a new incident to `status` through the service, as the desk would."""
    if status != Status.NEW:
        followup_add(
            acting_user=actor,
            incident=incident,
            expected_version=incident.version,
            change=valid_change(status, original),
        )
    assert incident.status == status


def add(incident, actor, **change):
    return followup_add(
        acting_user=actor, incident=incident, expected_version=incident.version, change=Change(**change)
    )


@pytest.fixture
def original(officer, precinct_a, category):
    """Another report in precinct A, for marking duplicates."""
    return log_report(officer, precinct_a, category, public_summary="Loud music, same party, first call")


@pytest.fixture
def elsewhere(outsider, precinct_b, category):
    """A report in precinct B, which precinct A's staff must not learn of."""
    return log_report(outsider, precinct_b, category, public_summary="Loud music in precinct B")


# --- incident_create -------------------------------------------------------


def test_it_logs_a_report_with_a_valid_reference(incident, officer, precinct_a, category):
    incident = Incident.objects.get(pk=incident.pk)
    assert len(incident.reference) == 8
    assert normalise_reference(incident.reference) == incident.reference
    assert incident.precinct == precinct_a
    assert incident.category == category
    assert incident.status == Status.NEW
    assert incident.version == 1
    assert incident.created_by == officer
    assert incident.outcome == ""
    assert incident.resolved_at is None
    assert incident.reporter_phone == "(212) 555-0142"
    assert incident.last_activity_at is not None


def test_it_gives_every_report_its_own_reference(officer, precinct_a, category):
    references = {log_report(officer, precinct_a, category).reference for _ in range(20)}
    assert len(references) == 20


def test_it_draws_again_when_a_reference_is_taken(incident, officer, precinct_a, category, monkeypatch):
    draws = iter([incident.reference, "7K2M9QXD"])
    monkeypatch.setattr("incidents.services.incidents.new_reference", lambda: next(draws))

    second = log_report(officer, precinct_a, category)

    assert second.reference == "7K2M9QXD"
    assert Incident.objects.get(pk=incident.pk).reference != second.reference


def test_it_gives_up_cleanly_when_every_reference_is_taken(incident, officer, precinct_a, category, monkeypatch):
    monkeypatch.setattr("incidents.services.incidents.new_reference", lambda: incident.reference)
    before = nothing_written()

    with pytest.raises(RuntimeError):
        log_report(officer, precinct_a, category)

    assert nothing_written() == before


def test_it_strips_what_was_typed(officer, precinct_a, category):
    incident = log_report(
        officer, precinct_a, category, public_summary="  Graffiti on the wall \n", reporter_name=" Ann Lee "
    )
    incident.refresh_from_db()
    assert incident.public_summary == "Graffiti on the wall"
    assert incident.reporter_name == "Ann Lee"


def test_it_records_the_first_follow_up(incident, officer):
    [entry] = FollowUp.objects.filter(incident=incident)
    assert entry.author == officer
    assert entry.to_status == Status.NEW
    assert entry.from_status == ""
    assert entry.internal_note == "Report logged."
    assert entry.public_note == ""
    assert entry.assigned_to is None
    assert not entry.changed_assignee


def test_it_audits_who_logged_the_report(incident, officer, precinct_a):
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.INCIDENT_CREATED)
    assert entry.actor == officer
    assert entry.username == "officer"
    assert entry.precinct == precinct_a
    assert entry.object_type == "incident"
    assert entry.object_id == str(incident.pk)
    assert entry.detail == {"reference": incident.reference}


def test_it_logs_a_report_assigned_to_a_colleague(officer, supervisor, precinct_a, category):
    incident = log_report(officer, precinct_a, category, assignee=supervisor)
    assert Incident.objects.get(pk=incident.pk).assignee == supervisor
    [entry] = FollowUp.objects.filter(incident=incident)
    assert entry.assigned_to == supervisor
    assert entry.changed_assignee


@pytest.mark.parametrize("actor", ["outsider", "anonymous"])
def test_it_hides_the_precinct_from_a_non_member_logging_a_report(request, precinct_a, precinct_b, category, actor):
    user = AnonymousUser() if actor == "anonymous" else request.getfixturevalue(actor)
    before = nothing_written()

    with pytest.raises(Http404):
        log_report(user, precinct_a, category)

    assert nothing_written() == before


def test_it_refuses_to_log_in_an_inactive_precinct(officer, precinct_a, category):
    precinct_a.is_active = False
    precinct_a.save(update_fields=["is_active"])
    officer._precinct_roles = None  # as the next request would load the user
    before = nothing_written()

    with pytest.raises(Http404):
        log_report(officer, precinct_a, category)

    assert nothing_written() == before


def test_it_refuses_an_inactive_category(officer, precinct_a):
    retired = CategoryFactory(name="Retired", slug="retired", is_active=False)
    before = nothing_written()

    with pytest.raises(Refused) as refused:
        log_report(officer, precinct_a, retired)

    assert refused.value.field == "category"
    assert "no longer in use" in refused.value.message
    assert nothing_written() == before


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_it_refuses_an_assignee_from_outside_the_precinct(request, officer, precinct_a, category, who):
    assignee = request.getfixturevalue("outsider") if who == "outsider" else UserFactory(username="stranger")
    before = nothing_written()

    with pytest.raises(Refused) as refused:
        log_report(officer, precinct_a, category, assignee=assignee)

    assert refused.value.field == "assignee"
    assert "assignee" in refused.value.message.lower()
    assert nothing_written() == before


def test_it_refuses_a_report_time_in_the_future(officer, precinct_a, category):
    before = nothing_written()

    with pytest.raises(Refused) as refused:
        log_report(officer, precinct_a, category, reported_at=timezone.now() + timedelta(hours=1))

    assert refused.value.field == "reported_at"
    assert nothing_written() == before


def test_it_keeps_the_report_time_given(officer, precinct_a, category):
    earlier = timezone.now() - timedelta(days=2)
    incident = log_report(officer, precinct_a, category, reported_at=earlier)
    assert Incident.objects.get(pk=incident.pk).reported_at == earlier


# --- followup_add: the transition table ------------------------------------


def test_it_follows_the_lifecycle_in_the_design():
    # Written out from DESIGN.md so that a change to services.TRANSITIONS cannot quietly
    # change what the parametrised tests below expect.
    open_ = {Status.NEW, Status.INVESTIGATING, Status.ACTION_SCHEDULED}
    closing = set(CLOSED)
    designed = {
        Status.NEW: open_ - {Status.NEW} | closing,
        Status.INVESTIGATING: {Status.ACTION_SCHEDULED} | closing,
        Status.ACTION_SCHEDULED: {Status.INVESTIGATING} | closing,
        **{status: {Status.INVESTIGATING} for status in closing},
    }
    assert designed == services.TRANSITIONS


def test_it_tests_every_status_pair():
    # A guard on the parametrisation below: every ordered pair of distinct statuses is in exactly one list.
    n = len(Status.values)
    assert len(ALLOWED) + len(REFUSED) == n * (n - 1)
    assert not set(ALLOWED) & set(REFUSED)


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_it_makes_every_allowed_transition(incident, original, officer, supervisor, from_status, to_status):
    reach(incident, from_status, actor=officer, original=original)
    before_version = incident.version
    before_activity = incident.last_activity_at
    before = nothing_written()
    started = timezone.now()

    entry = followup_add(
        acting_user=supervisor,
        incident=incident,
        expected_version=incident.version,
        change=valid_change(to_status, original),
    )

    stored = FollowUp.objects.get(pk=entry.pk)
    assert (stored.from_status, stored.to_status) == (from_status, to_status)
    assert stored.author == supervisor
    assert stored.incident_id == incident.pk
    assert nothing_written()["followups"] == before["followups"] + 1

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == to_status
    assert incident.version == before_version + 1
    assert incident.last_activity_at == stored.created_at
    assert incident.last_activity_at > before_activity
    assert incident.last_activity_at >= started
    if to_status in CLOSED:
        assert incident.outcome in OUTCOMES_FOR_STATUS[to_status]
        assert stored.outcome == incident.outcome
        assert incident.resolved_at == stored.created_at
    else:
        assert incident.outcome == ""
        assert incident.resolved_at is None

    audit = AuditEntry.objects.filter(action=AuditEntry.Action.INCIDENT_CHANGED).first()
    assert nothing_written()["audit"] == before["audit"] + 1
    assert audit.actor == supervisor
    assert audit.object_id == str(incident.pk)
    assert audit.detail["from_status"] == from_status
    assert audit.detail["to_status"] == to_status


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_it_refuses_every_transition_not_allowed(incident, original, officer, from_status, to_status):
    reach(incident, from_status, actor=officer, original=original)
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        followup_add(
            acting_user=officer,
            incident=incident,
            expected_version=incident.version,
            change=valid_change(to_status, original),
        )

    assert not isinstance(refused.value, IncidentChanged)
    assert refused.value.field == "to_status"
    assert f"cannot become {Status(to_status).label.lower()}" in refused.value.message
    assert Status(from_status).label.lower() in refused.value.message
    assert snapshot(incident) == before


def test_it_refuses_a_status_that_does_not_exist(incident, officer):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status="escalated", internal_note="Escalate")

    assert refused.value.field == "to_status"
    assert refused.value.message
    assert snapshot(incident) == before


# --- followup_add: closing ---------------------------------------------------


@pytest.mark.parametrize(
    ("to_status", "outcome"),
    [(status, outcome) for status in (Status.RESOLVED, Status.NO_ACTION) for outcome in OUTCOMES_FOR_STATUS[status]],
)
def test_it_closes_with_each_outcome_of_the_right_set(incident, officer, to_status, outcome):
    add(incident, officer, to_status=to_status, outcome=outcome)
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.status, incident.outcome) == (to_status, outcome)
    assert FollowUp.objects.filter(incident=incident).last().outcome == outcome


@pytest.mark.parametrize(
    ("to_status", "outcome"),
    [
        *[(Status.RESOLVED, o) for o in Outcome.values if o not in OUTCOMES_FOR_STATUS[Status.RESOLVED]],
        *[(Status.NO_ACTION, o) for o in Outcome.values if o not in OUTCOMES_FOR_STATUS[Status.NO_ACTION]],
        (Status.RESOLVED, ""),
        (Status.NO_ACTION, ""),
        (Status.RESOLVED, "made_up"),
    ],
)
def test_it_refuses_closing_without_an_outcome_from_the_right_set(incident, officer, to_status, outcome):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=to_status, outcome=outcome, internal_note="Closing")

    assert refused.value.field == "outcome"
    assert "Choose an outcome" in refused.value.message
    assert snapshot(incident) == before


def test_it_refers_to_the_named_agency(incident, officer):
    add(incident, officer, to_status=Status.REFERRED, referred_to="  Dept. of Buildings ")

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.REFERRED
    assert incident.referred_to == "Dept. of Buildings"
    assert incident.outcome == Outcome.REFERRED
    assert FollowUp.objects.filter(incident=incident).last().referred_to == "Dept. of Buildings"


@pytest.mark.parametrize("agency", ["", "   "])
def test_it_refuses_a_referral_without_the_agency(incident, officer, agency):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.REFERRED, referred_to=agency, internal_note="Not ours")

    assert refused.value.field == "referred_to"
    assert "agency" in refused.value.message
    assert snapshot(incident) == before


# --- followup_add: duplicates ------------------------------------------------


def test_it_marks_a_duplicate_of_a_report_in_the_same_precinct(incident, original, officer):
    typed = f"{original.reference[:4].lower()}-{original.reference[4:].lower()}"
    entry = add(incident, officer, to_status=Status.DUPLICATE, duplicate_of_reference=typed)

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.DUPLICATE
    assert incident.duplicate_of == original
    assert incident.outcome == Outcome.DUPLICATE
    assert FollowUp.objects.get(pk=entry.pk).duplicate_of == original


@pytest.mark.parametrize("typed", ["", "   ", "not a ref", "7K2M9QX"])
def test_it_refuses_a_duplicate_without_a_reference(incident, officer, typed):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.DUPLICATE, duplicate_of_reference=typed)

    assert refused.value.field == "duplicate_of_reference"
    assert "reference" in refused.value.message
    assert snapshot(incident) == before


def test_it_refuses_a_duplicate_of_a_report_that_does_not_exist(incident, officer):
    missing = "ZZZZZZZZ" if incident.reference != "ZZZZZZZZ" else "YYYYYYYY"
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.DUPLICATE, duplicate_of_reference=missing)

    assert refused.value.message == f"No report {missing} in this precinct."
    assert snapshot(incident) == before


def test_it_does_not_reveal_another_precincts_report(incident, elsewhere, officer):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.DUPLICATE, duplicate_of_reference=elsewhere.reference)

    # Word for word what a reference that exists nowhere gets.
    assert refused.value.message == f"No report {elsewhere.reference} in this precinct."
    assert refused.value.field == "duplicate_of_reference"
    assert snapshot(incident) == before


def test_it_refuses_a_duplicate_of_itself(incident, officer):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.DUPLICATE, duplicate_of_reference=incident.reference.lower())

    assert "itself" in refused.value.message
    assert snapshot(incident) == before


def test_it_refuses_two_reports_being_duplicates_of_each_other(incident, original, officer):
    add(original, officer, to_status=Status.DUPLICATE, duplicate_of_reference=incident.reference)
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.DUPLICATE, duplicate_of_reference=original.reference)

    assert "is itself a duplicate" in refused.value.message
    assert snapshot(incident) == before


def test_it_refuses_a_longer_cycle_of_duplicates(officer, precinct_a, category):
    a, b, c = (log_report(officer, precinct_a, category) for _ in range(3))
    add(a, officer, to_status=Status.DUPLICATE, duplicate_of_reference=b.reference)
    add(b, officer, to_status=Status.DUPLICATE, duplicate_of_reference=c.reference)
    before = snapshot(c)

    with pytest.raises(Refused):
        add(c, officer, to_status=Status.DUPLICATE, duplicate_of_reference=a.reference)

    assert snapshot(c) == before


# --- followup_add: reopening -------------------------------------------------


@pytest.mark.parametrize("closed", CLOSED)
def test_it_reopens_with_a_note_and_clears_the_closing(incident, original, officer, closed):
    reach(incident, closed, actor=officer, original=original)
    assert incident.resolved_at is not None

    entry = add(incident, officer, to_status=Status.INVESTIGATING, internal_note="Caller says it started again.")

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.INVESTIGATING
    assert incident.outcome == ""
    assert incident.resolved_at is None
    assert incident.referred_to == ""
    assert incident.duplicate_of is None
    stored = FollowUp.objects.get(pk=entry.pk)
    assert (stored.from_status, stored.to_status) == (closed, Status.INVESTIGATING)
    assert stored.internal_note == "Caller says it started again."


def test_it_reopens_with_only_a_public_note(incident, officer):
    add(incident, officer, to_status=Status.RESOLVED, outcome=Outcome.FIXED)
    add(incident, officer, to_status=Status.INVESTIGATING, public_note="The noise started again; we are back on it.")
    assert Incident.objects.get(pk=incident.pk).status == Status.INVESTIGATING


@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize("note", ["", "   \n"])
def test_it_refuses_to_reopen_without_a_note(incident, original, officer, closed, note):
    reach(incident, closed, actor=officer, original=original)
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.INVESTIGATING, internal_note=note)

    assert refused.value.field == "internal_note"
    assert "reopened" in refused.value.message
    assert snapshot(incident) == before


# --- followup_add: notes, versions, assignment -------------------------------


def test_it_records_a_note_without_changing_status(incident, officer):
    started = timezone.now()
    entry = add(incident, officer, internal_note="  Spoke to the neighbour. ", public_note=" Officers visited. ")

    stored = FollowUp.objects.get(pk=entry.pk)
    assert stored.internal_note == "Spoke to the neighbour."
    assert stored.public_note == "Officers visited."
    assert (stored.from_status, stored.to_status) == ("", "")
    assert not stored.changed_assignee
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.NEW
    assert incident.version == 2
    assert incident.last_activity_at == stored.created_at >= started


def test_it_refreshes_the_incident_it_was_given(incident, officer):
    add(incident, officer, to_status=Status.INVESTIGATING)
    assert incident.status == Status.INVESTIGATING
    assert incident.version == 2


def test_it_refuses_a_stale_version_and_shows_the_current_report(incident, officer, supervisor):
    seen = Incident.objects.get(pk=incident.pk)  # what the supervisor's form was made from
    add(incident, officer, to_status=Status.INVESTIGATING, internal_note="On it")
    before = snapshot(incident)

    with pytest.raises(IncidentChanged) as changed:
        followup_add(
            acting_user=supervisor,
            incident=seen,
            expected_version=seen.version,
            change=Change(to_status=Status.ACTION_SCHEDULED, internal_note="Patrol tonight"),
        )

    assert isinstance(changed.value, Refused)
    assert "Someone else updated this report" in changed.value.message
    assert changed.value.incident.pk == incident.pk
    assert changed.value.incident.version == 2
    assert changed.value.incident.status == Status.INVESTIGATING
    assert snapshot(incident) == before


@pytest.mark.parametrize("expected_version", [0, 2, 99])
def test_it_refuses_any_version_but_the_current_one(incident, officer, expected_version):
    before = snapshot(incident)

    with pytest.raises(IncidentChanged) as changed:
        followup_add(
            acting_user=officer, incident=incident, expected_version=expected_version, change=Change(internal_note="x")
        )

    assert changed.value.incident.version == 1
    assert snapshot(incident) == before


def test_it_assigns_a_member_of_the_precinct_and_records_it(incident, officer, supervisor):
    entry = add(incident, supervisor, assignee=officer)

    stored = FollowUp.objects.get(pk=entry.pk)
    assert stored.assigned_from is None
    assert stored.assigned_to == officer
    assert stored.changed_assignee
    assert (stored.from_status, stored.to_status) == ("", "")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.assignee == officer
    assert incident.version == 2
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.INCIDENT_CHANGED).get()
    assert audit.actor == supervisor
    assert audit.detail["assigned_to"] == "officer"


def test_it_reassigns_and_unassigns(incident, officer, supervisor):
    add(incident, supervisor, assignee=officer)
    reassigned = add(incident, officer, assignee=supervisor)
    unassigned = add(incident, supervisor, assignee=None)

    reassigned = FollowUp.objects.get(pk=reassigned.pk)
    assert (reassigned.assigned_from, reassigned.assigned_to) == (officer, supervisor)
    unassigned = FollowUp.objects.get(pk=unassigned.pk)
    assert (unassigned.assigned_from, unassigned.assigned_to) == (supervisor, None)
    assert unassigned.changed_assignee
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.assignee is None
    assert incident.version == 4


def test_it_assigns_and_changes_status_in_one_entry(incident, officer, supervisor):
    entry = add(incident, supervisor, to_status=Status.INVESTIGATING, assignee=officer)

    stored = FollowUp.objects.get(pk=entry.pk)
    assert (stored.from_status, stored.to_status, stored.assigned_to) == (Status.NEW, Status.INVESTIGATING, officer)
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.status, incident.assignee, incident.version) == (Status.INVESTIGATING, officer, 2)


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_it_refuses_to_assign_someone_outside_the_precinct(request, incident, officer, who):
    assignee = request.getfixturevalue("outsider") if who == "outsider" else UserFactory(username="stranger")
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, to_status=Status.INVESTIGATING, assignee=assignee)

    assert refused.value.field == "assignee"
    assert snapshot(incident) == before


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"internal_note": "   ", "public_note": "\n"},
        {"to_status": Status.NEW},
        {"assignee": None},
    ],
    ids=["empty", "blank-notes", "same-status", "still-unassigned"],
)
def test_it_refuses_a_follow_up_with_nothing_to_record(incident, officer, change):
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, officer, **change)

    assert refused.value.message.startswith("Nothing to record")
    assert snapshot(incident) == before


def test_it_refuses_assigning_the_current_assignee_again(incident, officer, supervisor):
    add(incident, supervisor, assignee=officer)
    before = snapshot(incident)

    with pytest.raises(Refused) as refused:
        add(incident, supervisor, assignee=officer)

    assert refused.value.message.startswith("Nothing to record")
    assert snapshot(incident) == before


@pytest.mark.parametrize("actor", ["outsider", "anonymous"])
def test_it_hides_the_report_from_a_non_member_acting_on_it(request, incident, actor):
    user = AnonymousUser() if actor == "anonymous" else request.getfixturevalue(actor)
    before = snapshot(incident)

    with pytest.raises(Http404):
        followup_add(
            acting_user=user,
            incident=incident,
            expected_version=incident.version,
            change=Change(to_status=Status.INVESTIGATING, internal_note="Not my precinct"),
        )

    assert snapshot(incident) == before


def test_it_lets_a_member_of_several_precincts_act_in_each(incident, elsewhere, precinct_b):
    both = UserFactory(username="both")
    MembershipFactory(user=both, precinct=incident.precinct)
    MembershipFactory(user=both, precinct=precinct_b)

    add(incident, both, internal_note="A")
    add(elsewhere, both, internal_note="B")

    assert Incident.objects.get(pk=incident.pk).version == 2
    assert Incident.objects.get(pk=elsewhere.pk).version == 2


# --- follow-ups are append-only ------------------------------------------------


def test_it_never_rewrites_a_follow_up(incident, officer):
    entry = FollowUp.objects.get(incident=incident)
    entry.internal_note = "Rewritten history"

    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.save(update_fields=["internal_note"])

    assert FollowUp.objects.get(pk=entry.pk).internal_note == "Report logged."


def test_it_never_rewrites_a_follow_up_it_just_added(incident, officer):
    entry = add(incident, officer, internal_note="Visited")
    entry.internal_note = "Never visited"

    with pytest.raises(ValueError, match="append-only"):
        entry.save()

    assert FollowUp.objects.get(pk=entry.pk).internal_note == "Visited"


def test_it_never_rewrites_a_follow_up_through_a_new_object_with_its_id(incident, officer):
    entry = FollowUp.objects.get(incident=incident)
    forged = FollowUp(
        pk=entry.pk, incident=incident, author=officer, created_at=entry.created_at, internal_note="Rewritten"
    )

    # Refused either way: INSERT-only saves collide with the existing id.
    with contextlib.suppress(ValueError, IntegrityError), transaction.atomic():
        forged.save()

    assert FollowUp.objects.get(pk=entry.pk).internal_note == "Report logged."


def test_it_does_not_need_category_changes_to_add_follow_ups(incident, officer, category):
    # A category retired after a report was logged must not block following it up.
    Category.objects.filter(pk=category.pk).update(is_active=False)
    add(incident, officer, to_status=Status.RESOLVED, outcome=Outcome.WARNING)
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED
