"""POST /api/v1/posts/check/ (contract): the draft checker the desk's post editor calls as officers type."""

import io
import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/posts/check/"
PLAIN = "Officers found the car on the 200 block of Main St and returned it to its owner at 2:30 pm."
FINDING_KEYS = {"code", "severity", "start", "end", "message", "suggestion"}


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Rate limits count in the cache; one test's requests must not throttle the next.
    cache.clear()
    yield
    cache.clear()


def check(client, payload, **headers):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def session_client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user, backend="precincts.backends.StaffBackend")
    return client


def findings_at(data, text, words):
    """The findings whose span is exactly `words` in `text`."""
    start = text.index(words)
    return [f for f in data["findings"] if (f["start"], f["end"]) == (start, start + len(words))]


def assert_result_shape(data):
    assert set(data) == {"ok", "lengths", "grade", "findings"}
    assert isinstance(data["ok"], bool)
    assert set(data["lengths"]) == {"x", "mastodon", "bluesky"}
    assert all(isinstance(n, int) for n in data["lengths"].values())
    assert isinstance(data["grade"], int | float)
    assert isinstance(data["findings"], list)
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in ("block", "warn")
        assert isinstance(finding["start"], int)
        assert isinstance(finding["end"], int)
        assert finding["start"] <= finding["end"]


def assert_error(response, status, *, field=None):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) >= {"detail", "errors"}
    assert isinstance(data["detail"], str)
    assert data["detail"]
    if field is None:
        assert data["errors"] == {}
    else:
        assert list(data["errors"]) == [field]
        assert all(isinstance(m, str) and m for m in data["errors"][field])
    return data


# --- the answer ------------------------------------------------------------------


def test_it_passes_a_plain_sentence(officer_client):
    response = check(officer_client, {"text": PLAIN})

    assert response.status_code == 200
    data = response.json()
    assert_result_shape(data)
    assert data["ok"] is True
    assert data["lengths"] == {"x": len(PLAIN), "mastodon": len(PLAIN), "bluesky": len(PLAIN)}
    assert [f for f in data["findings"] if f["severity"] == "block"] == []


def test_it_answers_an_empty_text(officer_client):
    response = check(officer_client, {"text": ""})
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "lengths": {"x": 0, "mastodon": 0, "bluesky": 0},
        "grade": 0.0,
        "findings": [],
    }


def test_it_blocks_a_phone_number_with_its_span(officer_client):
    text = "Call us on 212-555-0199 if the noise starts again."
    data = check(officer_client, {"text": text}).json()

    assert_result_shape(data)
    assert data["ok"] is False
    [phone] = findings_at(data, text, "212-555-0199")
    assert phone["code"] == "pii.phone"
    assert phone["severity"] == "block"
    assert phone["message"]
    assert phone["suggestion"]


def test_it_blocks_a_text_over_a_network_limit(officer_client):
    text = "The noise has stopped. " * 14  # 322 characters: over X and Bluesky, under Mastodon
    data = check(officer_client, {"text": text}).json()

    assert data["ok"] is False
    assert {f["code"] for f in data["findings"] if f["severity"] == "block"} == {"length.x", "length.bluesky"}


def test_it_warns_without_blocking(officer_client):
    text = "Officers apprehended the perpetrator at 14:30."
    data = check(officer_client, {"text": text}).json()

    assert data["ok"] is True
    codes = {f["code"] for f in data["findings"]}
    assert {"jargon", "time.24h"} <= codes
    assert all(f["severity"] == "warn" for f in data["findings"])


# --- the linked report's private details -------------------------------------------


def test_it_flags_the_linked_reports_private_details(officer_client, incident):
    text = "Maria Gonzalez called from 212.555.0142 and maria.gonzalez@example.org. We thank Ms. Gonzalez."
    data = check(officer_client, {"text": text, "incident": incident.pk}).json()

    assert data["ok"] is False
    for words in ("Maria Gonzalez", "212.555.0142", "maria.gonzalez@example.org", "Ms. Gonzalez"):
        [finding] = findings_at(data, text, words)
        assert finding["code"] == "pii.private_value", words
        assert finding["severity"] == "block"


def test_it_flags_a_name_only_when_the_report_holds_it(officer_client, incident):
    text = "Dmitri Volkov helped us find the owner of the car."
    linked = check(officer_client, {"text": text, "incident": incident.pk}).json()
    unlinked = check(officer_client, {"text": text}).json()
    explicit_null = check(officer_client, {"text": text, "incident": None}).json()

    assert linked["ok"] is False
    assert [f["code"] for f in findings_at(linked, text, "Dmitri Volkov")] == ["pii.private_value"]
    for data in (unlinked, explicit_null):
        assert data["ok"] is True
        assert not [f for f in data["findings"] if f["start"] < len("Dmitri Volkov")]


def test_it_hides_another_precincts_report(outsider, incident):
    response = check(session_client(outsider), {"text": "Maria Gonzalez", "incident": incident.pk})
    assert_error(response, 404)
    assert "Maria" not in response.content.decode()


def test_it_answers_404_for_a_report_that_does_not_exist(officer_client, incident):
    assert_error(check(officer_client, {"text": PLAIN, "incident": incident.pk + 1000}), 404)


def test_it_lets_any_member_of_the_precinct_check_against_its_reports(supervisor_client, precinct_a):
    incident = IncidentFactory(precinct=precinct_a, reporter_name="Quentin Privatename")
    data = check(supervisor_client, {"text": "Quentin Privatename is fine.", "incident": incident.pk}).json()
    assert data["ok"] is False


# --- who may call it -----------------------------------------------------------------


def test_it_refuses_anonymous_callers(client):
    response = check(client, {"text": PLAIN})
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code)


def test_it_refuses_a_user_with_no_precinct(client):
    response = check(session_client(UserFactory(username="nobody")), {"text": PLAIN})
    data = assert_error(response, 403)
    assert "precinct staff" in data["detail"]


def test_it_refuses_a_session_without_a_csrf_token(officer):
    response = check(session_client(officer, enforce_csrf_checks=True), {"text": PLAIN})
    data = assert_error(response, 403)
    assert "CSRF" in data["detail"]


def test_it_accepts_a_session_with_the_pages_csrf_token(officer):
    client = session_client(officer, enforce_csrf_checks=True)
    page = client.get("/desk/posts/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert "csrftoken" in client.cookies

    response = check(client, {"text": PLAIN}, X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_it_accepts_a_token_without_csrf(officer, incident):
    token = Token.objects.create(user=officer)
    client = Client(enforce_csrf_checks=True)
    response = check(client, {"text": "Maria Gonzalez", "incident": incident.pk}, AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["ok"] is False


def test_it_refuses_a_wrong_token(officer):
    Token.objects.create(user=officer)
    response = check(Client(), {"text": PLAIN}, AUTHORIZATION="Token not-a-real-token")
    assert_error(response, 401)


def test_it_hides_another_precincts_report_from_a_token_too(outsider, incident):
    token = Token.objects.create(user=outsider)
    response = check(Client(), {"text": PLAIN, "incident": incident.pk}, AUTHORIZATION=f"Token {token.key}")
    assert_error(response, 404)


def test_it_accepts_a_token_made_with_drf_create_token(officer):
    out = io.StringIO()
    call_command("drf_create_token", officer.get_username(), stdout=out)
    key = re.search(r"\b([0-9a-f]{40})\b", out.getvalue()).group(1)

    response = check(Client(), {"text": PLAIN}, AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response.json()["ok"] is True


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_only_answers_post(officer_client, method):
    response = getattr(officer_client, method)(URL)
    assert_error(response, 405)


# --- bad requests ----------------------------------------------------------------------


def test_it_refuses_bad_json(officer_client):
    assert_error(check(officer_client, '{"text": "unterminated'), 400)


def test_it_refuses_a_body_that_is_not_an_object(officer_client):
    assert_error(check(officer_client, ["Officers found the car."]), 400, field="non_field_errors")


def test_it_names_a_missing_text(officer_client):
    assert_error(check(officer_client, {"incident": None}), 400, field="text")


@pytest.mark.parametrize("text", [None, ["Officers found the car."], {"body": "x"}, True])
def test_it_names_a_text_that_is_not_a_string(officer_client, text):
    assert_error(check(officer_client, {"text": text}), 400, field="text")


@pytest.mark.parametrize("text", [123, 4.5])
def test_it_names_a_text_that_is_a_number(officer_client, text):
    assert_error(check(officer_client, {"text": text}), 400, field="text")


def test_it_refuses_an_overlong_text(officer_client):
    assert_error(check(officer_client, {"text": "a" * 5001}), 400, field="text")


@pytest.mark.parametrize("incident", ["abc", 1.5, [1], {"id": 1}, 0, -3])
def test_it_names_an_incident_that_is_not_a_valid_id(officer_client, incident):
    assert_error(check(officer_client, {"text": PLAIN, "incident": incident}), 400, field="incident")
