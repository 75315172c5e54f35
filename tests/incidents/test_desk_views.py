"""The officers' desk: the report list, logging a report and recording follow-ups, over HTTP."""

import base64
import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import FollowUp, Incident, Outcome, Status
from precincts.models import AuditEntry, Membership
from tests.conftest import login
from tests.factories import CategoryFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/desk/"
NEW = "/desk/incidents/new/"
REF_LINK = re.compile(r'href="/desk/incidents/([0-9A-Z]{8})/"')
OLDER_LINK = re.compile(r'href="\?([^"]*)">Older reports</a>')
# What the conftest `incident` keeps private, as the page would print it.
PRIVATE_VALUES = [
    "Maria Gonzalez",
    "(212) 555-0142",
    "maria.gonzalez@example.org",
    "234 Main St, Apt 3",
    "Caller says the party",
    "Dmitri Volkov",
]


# --- helpers ---------------------------------------------------------------


def page_of(incident) -> str:
    return f"/desk/incidents/{incident.reference}/"


def listed(response) -> list[str]:
    """References shown in a desk list response, in page order."""
    return REF_LINK.findall(response.content.decode())


def older_link(response) -> str | None:
    match = OLDER_LINK.search(response.content.decode())
    return "?" + html.unescape(match.group(1)) if match else None


def text(response) -> str:
    return html.unescape(response.content.decode())


def counts() -> dict:
    return {
        "incidents": Incident.objects.count(),
        "followups": FollowUp.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def snapshot(incident) -> dict:
    """Everything a refused follow-up must leave exactly as it was."""
    return {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()}


def many(precinct, category, created_by, n, *, newest=None, step=timedelta(minutes=1), **fields) -> list[Incident]:
    """`n` incidents written in one INSERT, newest first, `step` apart."""
    newest = newest or timezone.now() - timedelta(minutes=1)
    objs = [
        IncidentFactory.build(
            precinct=precinct,
            category=category,
            created_by=created_by,
            reported_at=newest - i * step,
            last_activity_at=newest - i * step,
            **fields,
        )
        for i in range(n)
    ]
    return Incident.objects.bulk_create(objs)


def report_form(precinct, category, /, **fields) -> dict:
    data = {
        "precinct": precinct.pk,
        "category": category.pk,
        "public_summary": "Broken shop window on the corner",
        "public_location": "300 block of Elm St",
        "reported_at": "",
        "source": "walk_in",
        "priority": "2",
        "reporter_name": "Ana Privatereporter",
        "reporter_phone": "(212) 555-0177",
        "reporter_email": "ana@private.example",
        "exact_address": "312 Elm St, Apt 2",
        "involved_names": "Sam Privateperson",
        "internal_narrative": "Saw two teenagers near the window.",
        "assign_to_me": "on",
    }
    data.update(fields)
    return data


def followup_form(incident, /, **fields) -> dict:
    data = {
        "version": incident.version,
        "internal_note": "",
        "public_note": "",
        "to_status": "",
        "outcome": "",
        "referred_to": "",
        "duplicate_of_reference": "",
        "assignee": "",
    }
    data.update(fields)
    return data


@pytest.fixture
def nobody_client(client, precinct_a):
    """Signed in, but a member of no precinct."""
    return login(client, UserFactory(username="nobody"))


# --- who gets in -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LIST), ("get", NEW), ("post", NEW), ("get", "detail"), ("post", "detail")],
)
def test_it_sends_anonymous_visitors_to_sign_in(client, incident, method, path):
    path = page_of(incident) if path == "detail" else path
    before = counts()
    response = getattr(client, method)(path, {"internal_note": "anonymous"} if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(path)}"
    assert counts() == before


@pytest.mark.parametrize("actor", ["officer_client", "supervisor_client"])
def test_it_lists_the_precincts_reports_for_its_staff(request, actor, incident):
    response = request.getfixturevalue(actor).get(LIST)
    assert response.status_code == 200
    assert listed(response) == [incident.reference]
    assert incident.public_summary in text(response)


@pytest.mark.parametrize("actor", ["officer_client", "supervisor_client"])
def test_it_shows_a_report_with_its_private_details_to_its_staff(request, actor, incident):
    response = request.getfixturevalue(actor).get(page_of(incident))
    assert response.status_code == 200
    page = text(response)
    assert incident.reference in page
    for value in PRIVATE_VALUES:
        assert value in page


@pytest.mark.parametrize("actor", ["officer_client", "supervisor_client"])
def test_it_shows_the_report_form_to_staff(request, actor):
    response = request.getfixturevalue(actor).get(NEW)
    assert response.status_code == 200
    assert "Log a report" in text(response)


def test_it_hides_another_precincts_reports_from_the_outsiders_list(outsider_client, incident, precinct_b, category):
    (own,) = many(precinct_b, category, UserFactory(), 1)
    response = outsider_client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == [own.reference]


def test_it_finds_nothing_of_another_precinct_when_the_outsider_searches(outsider_client, incident):
    for query in [incident.reference, "Maria Gonzalez", "Loud music"]:
        response = outsider_client.get(LIST, {"q": query})
        assert response.status_code == 200
        assert listed(response) == []


def test_it_returns_404_to_an_outsider_on_a_report_page(outsider_client, incident):
    response = outsider_client.get(page_of(incident))
    assert response.status_code == 404
    page = text(response)
    assert incident.public_summary not in page
    for value in PRIVATE_VALUES:
        assert value not in page


def test_it_returns_404_to_an_outsider_posting_a_follow_up_and_writes_nothing(outsider_client, outsider, incident):
    before = snapshot(incident)
    response = outsider_client.post(
        page_of(incident),
        followup_form(incident, internal_note="Outsider note", to_status=Status.INVESTIGATING, assignee=outsider.pk),
    )
    assert response.status_code == 404
    assert snapshot(incident) == before
    for value in PRIVATE_VALUES:
        assert value not in text(response)


def test_it_returns_404_for_a_reference_that_does_not_exist(officer_client):
    assert officer_client.get("/desk/incidents/ZZZZZZZZ/").status_code == 404
    assert officer_client.get("/desk/incidents/not-a-reference/").status_code == 404


@pytest.mark.parametrize("path", [LIST, NEW, "detail"])
def test_it_returns_404_on_the_desk_to_a_user_without_a_precinct(nobody_client, incident, path):
    path = page_of(incident) if path == "detail" else path
    assert nobody_client.get(path).status_code == 404


def test_it_never_shows_private_details_of_another_precinct_to_the_outsider(outsider_client, incident):
    responses = [
        outsider_client.get(LIST),
        outsider_client.get(LIST, {"q": "Maria"}),
        outsider_client.get(NEW),
        outsider_client.get(page_of(incident)),
        outsider_client.post(page_of(incident), followup_form(incident, internal_note="x")),
        outsider_client.post(NEW, report_form(incident.precinct, incident.category)),
    ]
    for response in responses:
        page = text(response)
        for value in PRIVATE_VALUES:
            assert value not in page, response.request


# --- the list: filters ---------------------------------------------------------


def test_it_filters_by_status(officer_client, officer, precinct_a, category):
    (new,) = many(precinct_a, category, officer, 1)
    (investigating,) = many(precinct_a, category, officer, 1, status=Status.INVESTIGATING)
    response = officer_client.get(LIST, {"status": Status.INVESTIGATING})
    assert listed(response) == [investigating.reference]
    assert listed(officer_client.get(LIST, {"status": Status.NEW})) == [new.reference]


def test_it_filters_by_category(officer_client, officer, precinct_a, category):
    graffiti = CategoryFactory(name="Graffiti", slug="graffiti")
    many(precinct_a, category, officer, 2)
    (painted,) = many(precinct_a, graffiti, officer, 1)
    response = officer_client.get(LIST, {"category": graffiti.pk})
    assert listed(response) == [painted.reference]


def test_it_shows_only_reports_assigned_to_me(officer_client, officer, supervisor, precinct_a, category):
    (mine,) = many(precinct_a, category, officer, 1, assignee=officer)
    many(precinct_a, category, officer, 1, assignee=supervisor)
    many(precinct_a, category, officer, 1, assignee=None)
    assert listed(officer_client.get(LIST, {"mine": "on"})) == [mine.reference]
    assert len(listed(officer_client.get(LIST))) == 3


def test_it_shows_open_reports_with_no_follow_up_for_seven_days(officer_client, officer, precinct_a, category):
    now = timezone.now()
    (quiet,) = many(precinct_a, category, officer, 1, newest=now - timedelta(days=8))
    (quiet_investigating,) = many(
        precinct_a, category, officer, 1, newest=now - timedelta(days=7, minutes=5), status=Status.INVESTIGATING
    )
    many(precinct_a, category, officer, 1, newest=now - timedelta(days=6, hours=23))  # recent enough
    many(  # closed long ago: never "stale"
        precinct_a,
        category,
        officer,
        1,
        newest=now - timedelta(days=30),
        status=Status.RESOLVED,
        outcome=Outcome.FIXED,
        resolved_at=now - timedelta(days=30),
    )
    many(
        precinct_a,
        category,
        officer,
        1,
        newest=now - timedelta(days=30),
        status=Status.REFERRED,
        outcome=Outcome.REFERRED,
        referred_to="Sanitation",
        resolved_at=now - timedelta(days=30),
    )
    response = officer_client.get(LIST, {"stale": "on"})
    assert sorted(listed(response)) == sorted([quiet.reference, quiet_investigating.reference])


def test_it_counts_staleness_from_the_last_follow_up_not_the_report_time(
    officer_client, officer, precinct_a, category
):
    (old,) = many(precinct_a, category, officer, 1, newest=timezone.now() - timedelta(days=20))
    Incident.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - timedelta(days=1))
    assert listed(officer_client.get(LIST, {"stale": "on"})) == []


@pytest.mark.parametrize("typed", ["exact", "lower", "hyphen", "spaced-lower"])
def test_it_finds_a_report_by_its_reference(officer_client, officer, precinct_a, category, typed):
    target, *others = many(precinct_a, category, officer, 3)
    ref = target.reference
    query = {
        "exact": ref,
        "lower": ref.lower(),
        "hyphen": f"{ref[:4]}-{ref[4:]}",
        "spaced-lower": f" {ref[:4].lower()} {ref[4:].lower()} ",
    }[typed]
    assert listed(officer_client.get(LIST, {"q": query})) == [ref]


def test_it_finds_reports_by_words(officer_client, officer, precinct_a, category):
    (window,) = many(precinct_a, category, officer, 1, public_summary="Smashed shop window overnight")
    (elm,) = many(precinct_a, category, officer, 1, public_location="400 block of Elm St")
    many(precinct_a, category, officer, 2)
    assert listed(officer_client.get(LIST, {"q": "shop window"})) == [window.reference]
    assert listed(officer_client.get(LIST, {"q": "SMASHED"})) == [window.reference]
    assert listed(officer_client.get(LIST, {"q": "elm st"})) == [elm.reference]
    assert listed(officer_client.get(LIST, {"q": "no such words anywhere"})) == []


def test_it_finds_reports_by_words_in_any_order(officer_client, officer, precinct_a, category):
    (window,) = many(precinct_a, category, officer, 1, public_summary="Smashed shop window overnight")
    many(precinct_a, category, officer, 2)
    assert listed(officer_client.get(LIST, {"q": "window smashed"})) == [window.reference]


def test_it_combines_filters(officer_client, officer, precinct_a, category):
    (target,) = many(precinct_a, category, officer, 1, status=Status.INVESTIGATING, assignee=officer)
    many(precinct_a, category, officer, 1, status=Status.INVESTIGATING)
    many(precinct_a, category, officer, 1, assignee=officer)
    response = officer_client.get(LIST, {"status": Status.INVESTIGATING, "mine": "on"})
    assert listed(response) == [target.reference]


def test_it_ignores_an_invalid_filter_and_shows_the_list(officer_client, officer, precinct_a, category):
    many(precinct_a, category, officer, 2)
    response = officer_client.get(LIST, {"status": "on_fire", "category": "abc"})
    assert response.status_code == 200
    assert len(listed(response)) == 2


# --- the list: keyset pagination ----------------------------------------------


def walk(client, first_url) -> tuple[list[str], int]:
    """Follow the "Older reports" links from `first_url` to the end: (references, pages)."""
    seen, url, pages = [], first_url, 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        refs = listed(response)
        assert len(refs) <= 25
        seen += refs
        pages += 1
        link = older_link(response)
        url = LIST + link if link else None
        assert pages < 10, "pagination does not end"
    return seen, pages


def test_it_pages_through_every_report_once_newest_first(officer_client, officer, precinct_a, category):
    now = timezone.now() - timedelta(minutes=5)
    # Groups of three share a report time, so the id must break ties on page boundaries.
    incidents = []
    for group in range(20):
        incidents += many(precinct_a, category, officer, 3, newest=now - timedelta(hours=group), step=timedelta(0))
    expected = [i.reference for i in sorted(incidents, key=lambda i: (i.reported_at, i.pk), reverse=True)]

    seen, pages = walk(officer_client, LIST)

    assert pages == 3  # 25 + 25 + 10
    assert len(seen) == 60
    assert len(set(seen)) == 60
    assert seen == expected


def test_it_keeps_the_filters_when_paging(officer_client, officer, precinct_a, category):
    investigating = many(precinct_a, category, officer, 30, status=Status.INVESTIGATING)
    many(precinct_a, category, officer, 30, newest=timezone.now() - timedelta(seconds=30))
    seen, pages = walk(officer_client, LIST + "?status=investigating")
    assert pages == 2
    assert seen == [i.reference for i in investigating]


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "!!!",
        "%%%",
        "é",
        "A",
        cursor("not|a|cursor"),
        cursor("2024-01-01T00:00:00|5"),  # no time zone
        cursor("yesterday|5"),
        cursor("2024-01-01T00:00:00+00:00|five"),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    ],
)
def test_it_shows_the_first_page_for_a_mangled_cursor(officer_client, officer, precinct_a, category, after):
    incidents = many(precinct_a, category, officer, 30)
    response = officer_client.get(LIST, {"after": after})
    assert response.status_code == 200
    assert listed(response) == [i.reference for i in incidents[:25]]


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-01T00:00:00+00:00|99999999999999999999999",
        "2024-01-01T00:00:00+00:00|-99999999999999999999999",
        "0001-01-01T00:00:00+05:00|1",
        "9999-12-31T23:59:59-12:00|1",
    ],
)
def test_it_never_fails_on_a_cursor_at_the_edge_of_the_ranges(officer_client, officer, precinct_a, category, raw):
    many(precinct_a, category, officer, 3)
    response = officer_client.get(LIST, {"after": cursor(raw)})
    assert response.status_code == 200


# --- logging a report ----------------------------------------------------------


def test_it_logs_a_report_with_its_private_details(officer_client, officer, precinct_a, category):
    response = officer_client.post(NEW, report_form(precinct_a, category, reported_at="2024-05-01T21:30"))

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(incident)
    assert incident.precinct == precinct_a
    assert incident.category == category
    assert incident.status == Status.NEW
    assert incident.public_summary == "Broken shop window on the corner"
    assert incident.reporter_name == "Ana Privatereporter"
    assert incident.reporter_phone == "(212) 555-0177"
    assert incident.reporter_email == "ana@private.example"
    assert incident.exact_address == "312 Elm St, Apt 2"
    assert incident.involved_names == "Sam Privateperson"
    assert incident.internal_narrative == "Saw two teenagers near the window."
    assert incident.created_by == officer
    assert incident.assignee == officer
    assert timezone.localtime(incident.reported_at).strftime("%Y-%m-%d %H:%M") == "2024-05-01 21:30"

    page = text(officer_client.get(response["Location"]))
    assert f"Report {incident.reference} logged" in page
    assert "Ana Privatereporter" in page


def test_it_logs_a_report_for_now_when_no_time_is_given(officer_client, precinct_a, category):
    before = timezone.now()
    officer_client.post(NEW, report_form(precinct_a, category, assign_to_me=""))
    incident = Incident.objects.get()
    assert before <= incident.reported_at <= timezone.now()
    assert incident.assignee is None


def test_it_refuses_to_log_a_report_in_a_precinct_the_user_does_not_belong_to(
    officer_client, precinct_a, precinct_b, category
):
    before = counts()
    response = officer_client.post(NEW, report_form(precinct_b, category))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"precinct"}
    assert "Precinct" in text(response)
    assert counts() == before


def test_it_offers_only_the_users_own_precinct(outsider_client, precinct_a, precinct_b):
    form = outsider_client.get(NEW).context["form"]
    assert [pk for pk, _ in form.fields["precinct"].choices] == [precinct_b.pk]


def test_it_shows_the_form_again_with_errors_and_writes_nothing(officer_client, precinct_a, category):
    before = counts()
    response = officer_client.post(NEW, report_form(precinct_a, category, public_summary="", reporter_email="nope"))
    assert response.status_code == 400
    page = text(response)
    assert set(response.context["form"].errors) == {"public_summary", "reporter_email"}
    assert "What happened (public summary)" in page
    assert "Reporter's email" in page
    assert 'value="Ana Privatereporter"' in page  # what was typed is kept
    assert counts() == before


# --- follow-ups ----------------------------------------------------------------


def test_it_records_a_status_change(officer_client, officer, incident):
    response = officer_client.post(
        page_of(incident), followup_form(incident, to_status=Status.INVESTIGATING, internal_note="Visited.")
    )
    assert response.status_code == 302
    assert response["Location"] == page_of(incident)
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.version == 2
    entry = incident.followups.latest("id")
    assert (entry.from_status, entry.to_status, entry.author) == (Status.NEW, Status.INVESTIGATING, officer)
    assert "Follow-up recorded." in text(officer_client.get(page_of(incident)))


def test_it_closes_a_report_with_an_outcome(supervisor_client, incident):
    response = supervisor_client.post(
        page_of(incident), followup_form(incident, to_status=Status.RESOLVED, outcome=Outcome.WARNING)
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.outcome) == (Status.RESOLVED, Outcome.WARNING)
    assert incident.resolved_at is not None


def test_it_refers_a_report_to_a_named_agency(officer_client, incident):
    response = officer_client.post(
        page_of(incident), followup_form(incident, to_status=Status.REFERRED, referred_to="Parks Department")
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.referred_to) == (Status.REFERRED, "Parks Department")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"to_status": Status.RESOLVED}, "Choose an outcome for closing the report"),
        ({"to_status": Status.RESOLVED, "outcome": Outcome.UNFOUNDED}, "Choose an outcome for closing the report"),
        ({"to_status": Status.REFERRED, "referred_to": "   "}, "Name the agency the report was passed to."),
        ({"to_status": Status.DUPLICATE, "duplicate_of_reference": ""}, "Give the reference of the original report."),
        ({}, "Nothing to record"),
    ],
)
def test_it_refuses_a_change_the_rules_do_not_allow(officer_client, incident, fields, message):
    before = snapshot(incident)
    response = officer_client.post(page_of(incident), followup_form(incident, **fields))
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot(incident) == before


def test_it_refuses_a_transition_not_offered(officer_client, officer, incident):
    # Resolved reports can only be reopened.
    officer_client.post(page_of(incident), followup_form(incident, to_status=Status.RESOLVED, outcome=Outcome.FIXED))
    incident.refresh_from_db()
    before = snapshot(incident)
    response = officer_client.post(page_of(incident), followup_form(incident, to_status=Status.ACTION_SCHEDULED))
    assert response.status_code == 400
    assert "Change status" in text(response)
    assert snapshot(incident) == before


def test_it_refuses_a_stale_change_and_shows_the_new_state(officer_client, supervisor_client, incident):
    seen_version = incident.version
    # A colleague moves the report on first.
    supervisor_client.post(page_of(incident), followup_form(incident, to_status=Status.INVESTIGATING))
    incident.refresh_from_db()
    before = snapshot(incident)

    response = officer_client.post(
        page_of(incident),
        followup_form(incident, version=seen_version, to_status=Status.RESOLVED, outcome=Outcome.FIXED),
    )

    assert response.status_code == 409
    page = text(response)
    assert "Someone else updated this report while you were working on it." in page
    assert 'desk-status--investigating">Investigating<' in page
    assert response.context["form"]["version"].value() == str(incident.version)
    assert snapshot(incident) == before


def test_it_assigns_a_report_to_a_colleague(officer_client, officer, supervisor, incident):
    response = officer_client.post(page_of(incident), followup_form(incident, assignee=supervisor.pk))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.assignee == supervisor
    entry = incident.followups.latest("id")
    assert (entry.assigned_to, entry.changed_assignee) == (supervisor, True)
    page = text(officer_client.get(page_of(incident)))
    assert f"Assigned to {supervisor.get_full_name()}" in page


def test_it_unassigns_a_report(officer_client, officer, supervisor, precinct_a, category):
    (incident,) = many(precinct_a, category, officer, 1, assignee=supervisor)
    response = officer_client.post(page_of(incident), followup_form(incident, assignee="nobody"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.assignee is None


def test_it_refuses_to_assign_someone_outside_the_precinct(officer_client, outsider, incident):
    before = snapshot(incident)
    response = officer_client.post(page_of(incident), followup_form(incident, assignee=outsider.pk))
    assert response.status_code == 400
    assert "Assigned to" in text(response)
    assert outsider.get_username() not in [c[1] for c in response.context["form"].fields["assignee"].choices]
    assert snapshot(incident) == before


def test_it_offers_only_the_precincts_staff_as_assignees(officer_client, officer, supervisor, outsider, incident):
    MembershipFactory(user=UserFactory(username="colleague"), precinct=incident.precinct)
    choices = officer_client.get(page_of(incident)).context["form"].fields["assignee"].choices
    offered = {value for value, _ in choices} - {"", "nobody"}
    colleague_pk = Membership.objects.get(user__username="colleague").user_id
    assert offered == {str(officer.pk), str(supervisor.pk), str(colleague_pk)}


# --- query counts ----------------------------------------------------------------


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_it_lists_ten_or_a_thousand_reports_in_the_same_number_of_queries(
    officer_client, officer, supervisor, precinct_a, category
):
    graffiti = CategoryFactory(name="Graffiti", slug="graffiti")
    many(precinct_a, category, officer, 5, assignee=officer)
    many(precinct_a, graffiti, officer, 5, assignee=supervisor, newest=timezone.now() - timedelta(hours=1))
    officer_client.get(LIST)  # warm up: the first request may prime caches
    with_ten = queries_for(officer_client, LIST)

    many(precinct_a, graffiti, officer, 495, assignee=supervisor, newest=timezone.now() - timedelta(hours=2))
    many(precinct_a, category, officer, 495, assignee=officer, newest=timezone.now() - timedelta(days=2))
    assert Incident.objects.count() == 1000
    with_thousand = queries_for(officer_client, LIST)

    assert with_ten == with_thousand
    # Filters, search and a deep page cost no extra queries either.
    response = officer_client.get(LIST)
    deep = LIST + older_link(response)
    assert queries_for(officer_client, deep) == with_ten
    assert queries_for(officer_client, LIST + "?q=loud&status=new&mine=on") == with_ten


def test_it_shows_a_report_with_one_or_thirty_follow_ups_in_the_same_number_of_queries(
    officer_client, officer, supervisor, precinct_a, category
):
    original, incident = many(precinct_a, category, officer, 2)
    staff = [officer, supervisor] + [MembershipFactory(user=UserFactory(), precinct=precinct_a).user for _ in range(3)]
    FollowUp.objects.create(incident=incident, author=officer, created_at=timezone.now(), to_status=Status.NEW)
    officer_client.get(page_of(incident))  # warm up
    with_one = queries_for(officer_client, page_of(incident))

    now = timezone.now()
    FollowUp.objects.bulk_create(
        FollowUp(
            incident=incident,
            author=staff[i % len(staff)],
            created_at=now + timedelta(seconds=i),
            internal_note=f"Note {i}",
            public_note=f"Public note {i}" if i % 3 == 0 else "",
            from_status=Status.NEW if i % 4 == 0 else "",
            to_status=Status.INVESTIGATING if i % 4 == 0 else "",
            assigned_from=staff[(i + 1) % len(staff)] if i % 5 == 0 else None,
            assigned_to=staff[(i + 2) % len(staff)] if i % 5 == 0 else None,
            changed_assignee=i % 5 == 0,
            duplicate_of=original if i % 7 == 0 else None,
        )
        for i in range(29)
    )
    Incident.objects.filter(pk=incident.pk).update(assignee=supervisor, duplicate_of=original)
    with_thirty = queries_for(officer_client, page_of(incident))

    assert with_one == with_thirty
