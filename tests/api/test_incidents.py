"""Staff incidents through the API: filters, logging a report, follow-ups, and the rules the services keep."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import FollowUp, Incident
from incidents.services import Change, followup_add
from tests.api.conftest import assert_error, close
from tests.factories import CategoryFactory, IncidentFactory, MembershipFactory, PrecinctFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def reports(precinct_a, officer, supervisor, category):
    """Four reports of precinct A, one per filter to tell them apart (newest first)."""
    now = timezone.now()
    parking = CategoryFactory(name="Parking", slug="parking")
    return {
        "mine": IncidentFactory(precinct=precinct_a, category=category, assignee=officer, reported_at=now),
        "theirs": IncidentFactory(
            precinct=precinct_a, category=category, assignee=supervisor, reported_at=now - timedelta(days=1)
        ),
        "parking": IncidentFactory(precinct=precinct_a, category=parking, reported_at=now - timedelta(days=10)),
        "closed": IncidentFactory(
            precinct=precinct_a,
            category=category,
            status="no_action",
            outcome="unfounded",
            public_summary="Broken street light by the school",
            reported_at=now - timedelta(days=40),
        ),
    }


def test_it_lists_newest_reported_first(reports, as_officer):
    assert references(as_officer.get(LIST)) == [r.reference for r in reports.values()]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=no_action", ["closed"]),
        ("category=parking", ["parking"]),
        ("assignee=me", ["mine"]),
        ("assignee=none", ["parking", "closed"]),
        ("q=street+light", ["closed"]),
        ("precinct=precinct-a&category=noise&status=new", ["mine", "theirs"]),
        ("precinct=precinct-b", []),
        ("category=no-such-category", []),
    ],
)
def test_it_filters(reports, as_officer, query, expected):
    assert references(as_officer.get(f"{LIST}?{query}")) == [reports[name].reference for name in expected]


def test_it_filters_by_assignee_id(reports, as_officer, supervisor):
    assert references(as_officer.get(f"{LIST}?assignee={supervisor.pk}")) == [reports["theirs"].reference]


def test_it_finds_a_report_by_its_reference_typed_loosely(reports, as_officer):
    typed = reports["parking"].reference.lower()
    assert references(as_officer.get(f"{LIST}?q={typed[:4]}-{typed[4:]}")) == [reports["parking"].reference]


def test_it_filters_by_reported_dates(reports, as_officer):
    today = timezone.localdate()
    since = (today - timedelta(days=11)).isoformat()
    until = (today - timedelta(days=1)).isoformat()
    assert references(as_officer.get(f"{LIST}?reported_from={since}&reported_to={until}")) == [
        reports["theirs"].reference,
        reports["parking"].reference,
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=sleeping", "status"),
        ("assignee=someone", "assignee"),
        ("reported_from=yesterday", "reported_from"),
        ("reported_to=0001-01-01", "reported_to"),
        ("q=" + "x" * 101, "q"),
        ("q=%00", "q"),
    ],
)
def test_it_refuses_a_filter_it_cannot_understand(as_officer, query, field):
    assert_error(as_officer.get(f"{LIST}?{query}"), 400, field=field)


def test_it_logs_a_report_in_the_officers_only_precinct(officer, category, as_officer):
    response = as_officer.post(
        LIST,
        {
            "category": "noise",
            "public_summary": "Dog barking all night",
            "public_location": "100 block of Elm St",
            "reporter_email": "resident@example.org",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(reference=response.json()["reference"])
    assert incident.created_by == officer and incident.reporter_email == "resident@example.org"
    assert response["Location"] == f"/api/v1/incidents/{incident.reference}/"
    assert incident.followups.count() == 1, "logged through the service, which records the first follow-up"


def test_it_asks_which_precinct_when_the_officer_has_several(officer, category, as_officer):
    MembershipFactory(user=officer, precinct=PrecinctFactory(slug="precinct-c", code="PC"))
    body = {"category": "noise", "public_summary": "Dog barking all night", "public_location": "100 block of Elm St"}
    assert_error(as_officer.post(LIST, body, format="json"), 400, field="precinct")
    assert as_officer.post(LIST, {**body, "precinct": "precinct-c"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "retired"}, "category"),  # inactive: the service refuses it
        ({"category": "nonexistent"}, "category"),
        ({"public_summary": "Hi"}, "public_summary"),
        ({"public_location": ""}, "public_location"),
        ({"reported_at": "2999-01-01T00:00:00Z"}, "reported_at"),  # future: the service refuses it
        ({"reporter_email": "not-an-email"}, "reporter_email"),
        ({"priority": 9}, "priority"),
        ({"assignee": 999999}, "assignee"),
    ],
)
def test_it_refuses_a_report_it_cannot_log_and_writes_nothing(category, as_officer, change, field):
    CategoryFactory(name="Retired", slug="retired", is_active=False)
    body = {"category": "noise", "public_summary": "Dog barking all night", "public_location": "100 block of Elm St"}
    assert_error(as_officer.post(LIST, {**body, **change}, format="json"), 400, field=field)
    assert not Incident.objects.exists()


def test_it_refuses_an_assignee_from_another_precinct(outsider, category, as_officer):
    body = {
        "category": "noise",
        "public_summary": "Dog barking all night",
        "public_location": "100 block of Elm St",
        "assignee": outsider.pk,
    }
    body = assert_error(as_officer.post(LIST, body, format="json"), 400, field="assignee")
    assert body["detail"] == "The assignee must be an officer or supervisor of this precinct."


def test_it_shows_an_incident_with_its_private_details_to_staff(incident, as_supervisor):
    data = as_supervisor.get(f"/api/v1/incidents/{incident.reference}/").json()
    assert data["reporter_name"] == "Maria Gonzalez" and data["involved_names"] == "Dmitri Volkov"
    assert data["public_status_name"] == "Received" and data["version"] == incident.version


def test_it_lists_the_follow_ups_oldest_first(incident, officer, as_officer):
    followup_add(acting_user=officer, incident=incident, expected_version=1, change=Change(internal_note="Rang back."))
    notes = [
        f["internal_note"]
        for f in as_officer.get(f"/api/v1/incidents/{incident.reference}/followups/").json()["results"]
    ]
    assert notes == ["Report logged.", "Rang back."]


def followups(incident):
    return f"/api/v1/incidents/{incident.reference}/followups/"


def test_it_changes_status_assigns_and_returns_the_new_version(incident, supervisor, as_officer):
    response = as_officer.post(
        followups(incident),
        {"version": 1, "to_status": "investigating", "assignee": supervisor.pk, "public_note": "On it."},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["followup"]["from_status"] == "new" and data["followup"]["assigned_to"]["id"] == supervisor.pk
    assert data["incident"]["version"] == 2 and data["incident"]["assignee"]["id"] == supervisor.pk
    assert data["drafted_post"] is None


def test_it_unassigns_with_null_and_keeps_the_assignee_when_left_out(incident, officer, supervisor, as_officer):
    followup_add(acting_user=officer, incident=incident, expected_version=1, change=Change(assignee=supervisor))
    kept = as_officer.post(followups(incident), {"version": 2, "internal_note": "Note."}, format="json").json()
    assert kept["incident"]["assignee"]["id"] == supervisor.pk
    cleared = as_officer.post(followups(incident), {"version": 3, "assignee": None}, format="json").json()
    assert cleared["incident"]["assignee"] is None


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        (
            {"to_status": "duplicate", "duplicate_of": "ZZZZZZZZ"},
            "duplicate_of",
            "No report ZZZZZZZZ in this precinct.",
        ),
        ({"to_status": "resolved"}, "outcome", "Choose an outcome for closing the report"),
        ({"to_status": "referred"}, "referred_to", "Name the agency"),
        ({}, "non_field_errors", "Nothing to record"),
        ({"to_status": "asleep"}, "to_status", None),
        ({"outcome": "arrest", "to_status": "no_action"}, "outcome", "Choose an outcome"),
    ],
)
def test_it_refuses_what_the_rules_refuse_and_writes_nothing(incident, as_officer, body, field, detail):
    response = as_officer.post(followups(incident), {"version": 1, **body}, format="json")
    error = assert_error(response, 400, field=field)
    if detail:
        assert error["detail"].startswith(detail)
    assert FollowUp.objects.filter(incident=incident).count() == 1


def test_it_refuses_a_transition_the_lifecycle_does_not_allow(incident, officer, as_officer):
    close(incident, officer)
    body = assert_error(
        as_officer.post(followups(incident), {"version": 2, "to_status": "action_scheduled"}, format="json"),
        400,
        field="to_status",
    )
    assert "cannot become action scheduled" in body["detail"]


def test_it_answers_409_with_the_current_state_when_someone_else_changed_it_first(incident, as_officer, as_supervisor):
    """A race: both loaded version 1; the supervisor's change lands first, the officer's is refused whole."""
    seen = as_officer.get(f"/api/v1/incidents/{incident.reference}/").json()["version"]
    first = as_supervisor.post(followups(incident), {"version": seen, "to_status": "investigating"}, format="json")
    assert first.status_code == 201

    second = as_officer.post(
        followups(incident), {"version": seen, "to_status": "resolved", "outcome": "fixed"}, format="json"
    )
    body = assert_error(second, 409)
    assert "Someone else updated this report" in body["detail"]
    assert body["current"] == {"version": 2, "status": "investigating"}
    incident.refresh_from_db()
    assert (incident.status, incident.version, incident.followups.count()) == ("investigating", 2, 2)


def test_it_keeps_an_incident_of_another_precinct_out_of_reach(as_outsider, incident):
    assert_error(as_outsider.post(followups(incident), {"version": 1, "internal_note": "x"}, format="json"), 404)
    assert FollowUp.objects.filter(incident=incident).count() == 1


def test_it_reads_the_incident_list_in_three_queries(reports, as_officer, django_assert_num_queries):
    with django_assert_num_queries(3):  # the token and its user, the caller's precincts, the page
        assert len(as_officer.get(LIST).json()["results"]) == 4
