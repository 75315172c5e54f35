"""Garbage in the desk's two forms: never a 500, always a 400 that names the field, and nothing written."""

import html
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from incidents.models import FollowUp, Incident, Outcome, Source, Status
from precincts.models import AuditEntry
from tests.factories import CategoryFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NEW = "/desk/incidents/new/"
ERROR_SUMMARY = re.compile(r'<div class="usa-alert usa-alert--error" role="alert" id="form-errors">(.*?)</ul>', re.S)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Placeholders the strategies draw, replaced by real ids inside the test.
VALID, OTHER, SELF = "<valid>", "<other>", "<self>"


def garbage(max_size=300):
    return st.one_of(
        st.text(max_size=max_size),
        st.integers().map(str),
        st.sampled_from(["", " ", "null", "None", "0", "-1", "1e9", "1.5", "<script>alert(1)</script>", "\x00"]),
    )


def field(*good):
    """Absent (None), one of the good values, or garbage."""
    return st.one_of(st.none(), st.sampled_from(good), garbage())


def mostly(valid: dict, anything: dict):
    """A valid form with up to three of its fields replaced by anything, so valid posts get explored too."""

    @st.composite
    def draw(draw_from):
        data = dict(valid)
        for name in draw_from(st.sets(st.sampled_from(sorted(valid)), max_size=3)):
            data[name] = draw_from(anything[name])
        return data

    return st.one_of(draw(), st.fixed_dictionaries(anything))


def counts() -> dict:
    return {
        "incidents": Incident.objects.count(),
        "followups": FollowUp.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def post_data(drawn: dict, replacements: dict) -> dict:
    # A browser always sends the CSRF token, so a real POST is never empty (see the xfail below).
    data = {"csrfmiddlewaretoken": "sent-by-every-browser"}
    data.update({name: replacements.get(value, value) for name, value in drawn.items() if value is not None})
    return data


def assert_errors_name_their_fields(response):
    """A 400 lists every field error in the summary at the top, linked and labelled by its field."""
    form = response.context["form"]
    assert form.errors, "a 400 without form errors"
    match = ERROR_SUMMARY.search(response.content.decode())
    assert match, "no error summary on the page"
    summary = html.unescape(match.group(1))
    for name, errors in form.errors.items():
        if name == "__all__":
            assert html.unescape(str(errors[0])) in html.unescape(response.content.decode())
            continue
        bound = form[name]
        assert f'<a href="#{bound.auto_id}">{bound.label}</a>' in summary, (name, summary)
        for error in errors:
            assert html.unescape(str(error)) in summary


# --- logging a report ----------------------------------------------------------

report_fields = mostly(
    {
        "precinct": VALID,
        "category": VALID,
        "public_summary": "Broken shop window on the corner",
        "public_location": "300 block of Elm St",
        "reported_at": "2024-05-01T21:30",
        "source": "walk_in",
        "priority": "2",
        "reporter_name": "Ana Privatereporter",
        "reporter_phone": "(212) 555-0177",
        "reporter_email": "ana@private.example",
        "exact_address": "312 Elm St, Apt 2",
        "involved_names": "Sam Privateperson",
        "internal_narrative": "Saw two teenagers near the window.",
        "assign_to_me": "on",
    },
    {
        "precinct": field(VALID, OTHER),
        "category": field(VALID, OTHER, "999999", "99999999999999999999999"),
        "public_summary": field("Broken shop window on the corner", "x" * 281, "   ", "abc"),
        "public_location": field("300 block of Elm St", "   ", "y" * 121),
        "reported_at": field(
            "",
            "2024-05-01T21:30",
            "2024-05-01 21:30:00",
            "2999-01-01T00:00",
            "2024-13-40T99:99",
            "0001-01-01T00:00",
            "2024-03-10T02:30",  # does not exist in New York: the clocks skip it
            "2024-11-03T01:30",  # happens twice in New York
        ),
        "source": field(*Source.values),
        "priority": field("1", "2", "3", "4", "5", "high"),
        "reporter_name": field("Ana Privatereporter", "n" * 121),
        "reporter_phone": field("(212) 555-0177", "9" * 41),
        "reporter_email": field("ana@private.example", "not-an-email", "a@b"),
        "exact_address": field("312 Elm St, Apt 2"),
        "involved_names": field("Sam Privateperson"),
        "internal_narrative": field("Saw two teenagers near the window."),
        "assign_to_me": field("on", ""),
    },
)


@pytest.fixture
def ids(precinct_a, precinct_b, category):
    retired = CategoryFactory(name="Retired", slug="retired", is_active=False)
    return {VALID: str(precinct_a.pk), OTHER: str(precinct_b.pk)}, {VALID: str(category.pk), OTHER: str(retired.pk)}


@FUZZ
@given(drawn=report_fields)
def test_it_answers_any_report_form_with_a_redirect_or_named_errors(officer_client, ids, drawn):
    precinct_ids, category_ids = ids
    data = post_data(drawn, {})
    if "precinct" in data:
        data["precinct"] = precinct_ids.get(data["precinct"], data["precinct"])
    if "category" in data:
        data["category"] = category_ids.get(data["category"], data["category"])
    before = counts()

    response = officer_client.post(NEW, data)

    event(f"report form answered {response.status_code}")
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert counts() == {name: n + 1 for name, n in before.items()}
        assert response["Location"] == f"/desk/incidents/{Incident.objects.latest('id').reference}/"
        # Whatever went in, the desk can show it.
        assert officer_client.get(response["Location"]).status_code == 200
        assert officer_client.get("/desk/").status_code == 200
    else:
        assert_errors_name_their_fields(response)
        assert counts() == before


def good_report(precinct, category, /, **fields):
    data = {
        "precinct": precinct.pk,
        "category": category.pk,
        "public_summary": "Broken shop window on the corner",
        "public_location": "300 block of Elm St",
        "reported_at": "2024-05-01T21:30",
        "source": "walk_in",
        "priority": "2",
        "reporter_email": "ana@private.example",
    }
    data.update(fields)
    return data


def test_it_logs_a_good_report(officer_client, precinct_a, category):
    # The control for the cases below: without the one bad value, the report goes in.
    response = officer_client.post(NEW, good_report(precinct_a, category))
    assert response.status_code == 302
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field_name", "label"),
    [
        ({"public_summary": ""}, "public_summary", "What happened (public summary)"),
        ({"public_summary": "   "}, "public_summary", "What happened (public summary)"),
        ({"public_summary": "x" * 281}, "public_summary", "What happened (public summary)"),
        ({"public_location": ""}, "public_location", "Where (public, block level)"),
        ({"category": "999999"}, "category", "Category"),
        ({"category": "not-a-number"}, "category", "Category"),
        ({"priority": "urgent"}, "priority", "Priority"),
        ({"priority": "9"}, "priority", "Priority"),
        ({"source": "carrier pigeon"}, "source", "Source"),
        ({"reported_at": "2999-01-01T00:00"}, "reported_at", "When was it reported?"),
        ({"reported_at": "last tuesday"}, "reported_at", "When was it reported?"),
        ({"reporter_email": "not-an-email"}, "reporter_email", "Reporter's email"),
        ({"precinct": "not-a-number"}, "precinct", "Precinct"),
    ],
)
def test_it_refuses_a_bad_report_naming_the_field(officer_client, precinct_a, category, fields, field_name, label):
    before = counts()
    response = officer_client.post(NEW, good_report(precinct_a, category, **fields))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {field_name}
    assert_errors_name_their_fields(response)
    assert label in html.unescape(ERROR_SUMMARY.search(response.content.decode()).group(1))
    assert counts() == before


def test_it_refuses_a_report_in_a_retired_category(officer_client, precinct_a, category):
    retired = CategoryFactory(name="Retired", slug="retired", is_active=False)
    before = counts()
    response = officer_client.post(NEW, good_report(precinct_a, retired))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"category"}
    assert counts() == before


# --- follow-ups ----------------------------------------------------------------

followup_fields = mostly(
    {
        "version": VALID,
        "internal_note": "Spoke to the caller again.",
        "public_note": "",
        "to_status": "",
        "outcome": "",
        "referred_to": "",
        "duplicate_of_reference": "",
        "assignee": "",
    },
    {
        "version": st.one_of(st.none(), st.just(VALID), st.integers().map(str), garbage(20)),
        "internal_note": field("Spoke to the caller again.", "n" * 5001),
        "public_note": field("Officers visited the block.", "p" * 281),
        "to_status": field("", *Status.values),
        "outcome": field("", *Outcome.values),
        "referred_to": field("Parks Department", "   ", "a" * 121),
        "duplicate_of_reference": field(OTHER, SELF, "ZZZZZZZZ"),
        "assignee": field("", "nobody", VALID, OTHER),
    },
)


@pytest.fixture
def original(officer, precinct_a, category):
    return IncidentFactory(precinct=precinct_a, category=category, created_by=officer)


@FUZZ
@given(drawn=followup_fields)
def test_it_answers_any_follow_up_with_a_redirect_a_conflict_or_named_errors(
    officer_client, incident, original, supervisor, outsider, drawn
):
    incident.refresh_from_db()
    data = post_data(
        drawn,
        {
            OTHER: original.reference,
            SELF: incident.reference,
        },
    )
    if data.get("version") == VALID:
        data["version"] = str(incident.version)
    if "assignee" in data:
        data["assignee"] = {VALID: str(supervisor.pk), OTHER: str(outsider.pk)}.get(data["assignee"], data["assignee"])
    before = {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()}

    response = officer_client.post(f"/desk/incidents/{incident.reference}/", data)

    event(f"follow-up answered {response.status_code}")
    assert response.status_code in (302, 400, 409)
    if response.status_code == 302:
        after = counts()
        assert after["followups"] == before["followups"] + 1
        assert after["audit"] == before["audit"] + 1
        incident.refresh_from_db()
        assert incident.version == before["row"]["version"] + 1
        return
    if response.status_code == 409:
        assert data.get("version") not in (None, str(before["row"]["version"]))
        assert "Someone else updated this report" in html.unescape(response.content.decode())
    else:
        assert_errors_name_their_fields(response)
    assert {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()} == before


def good_followup(incident, /, **fields):
    data = {"version": str(incident.version), "internal_note": "Spoke to the caller again."}
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "field_name", "label"),
    [
        ({"version": "abc"}, "version", "Version"),
        ({"version": "0"}, "version", "Version"),
        ({"to_status": "on_fire"}, "to_status", "Change status"),
        ({"to_status": Status.NEW}, "to_status", "Change status"),  # not offered: it is new already
        ({"outcome": "abducted_by_aliens"}, "outcome", "Outcome (when closing)"),
        ({"assignee": "999999"}, "assignee", "Assigned to"),
        ({"assignee": "someone"}, "assignee", "Assigned to"),
        ({"public_note": "p" * 281}, "public_note", "Public note (shown on the report's public page)"),
        ({"internal_note": "n" * 5001}, "internal_note", "Note (internal)"),
        ({"to_status": Status.RESOLVED, "outcome": ""}, "outcome", "Outcome (when closing)"),
        ({"to_status": Status.REFERRED, "referred_to": ""}, "referred_to", "Agency (when referring)"),
        (
            {"to_status": Status.DUPLICATE, "duplicate_of_reference": "ZZZZZZZZ"},
            "duplicate_of_reference",
            "Original report reference (when a duplicate)",
        ),
    ],
)
def test_it_refuses_a_bad_follow_up_naming_the_field(officer_client, incident, fields, field_name, label):
    before = {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()}
    response = officer_client.post(f"/desk/incidents/{incident.reference}/", good_followup(incident, **fields))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {field_name}
    assert_errors_name_their_fields(response)
    assert label in html.unescape(ERROR_SUMMARY.search(response.content.decode()).group(1))
    assert {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()} == before


@pytest.mark.parametrize("version", ["2", "7", "99999999999999999999999"])
def test_it_answers_a_wrong_version_with_a_conflict(officer_client, incident, version):
    before = {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()}
    response = officer_client.post(f"/desk/incidents/{incident.reference}/", good_followup(incident, version=version))
    assert response.status_code == 409
    assert "Someone else updated this report" in html.unescape(response.content.decode())
    assert {"row": Incident.objects.filter(pk=incident.pk).values().get(), **counts()} == before


def test_it_records_a_good_follow_up(officer_client, incident):
    # The control for the cases above.
    response = officer_client.post(f"/desk/incidents/{incident.reference}/", good_followup(incident))
    assert response.status_code == 302
    assert incident.followups.count() == 2


@pytest.mark.parametrize("page", ["new", "detail"])
def test_it_answers_an_empty_post_with_named_errors(officer_client, incident, page):
    url = NEW if page == "new" else f"/desk/incidents/{incident.reference}/"
    before = counts()
    response = officer_client.post(url, {})
    assert counts() == before
    assert response.status_code == 400
    assert_errors_name_their_fields(response)
