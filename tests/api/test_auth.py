"""Signing in to the API: tokens (with django-axes' lockout and a strict throttle) and sessions with CSRF."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from precincts.models import AuditEntry
from tests.api.conftest import assert_error
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def sign_in(client, username="officer", password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_it_gives_a_token_for_a_username_and_password(officer, anon):
    response = sign_in(anon)
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=officer).key}
    assert sign_in(APIClient()).json()["token"] == response.json()["token"], "the same token until revoked"


def test_it_records_the_sign_in_in_the_audit_trail(officer, anon):
    sign_in(anon)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN, actor=officer).exists()


def test_it_refuses_a_wrong_password_in_the_error_format(officer, anon):
    body = assert_error(sign_in(anon, password="wrong-password"), 400, field="non_field_errors")
    assert body["detail"] == "Unable to sign in with that username and password."
    assert not Token.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, username="officer").exists()


def test_it_names_missing_fields(anon):
    body = assert_error(anon.post(TOKEN, {}, format="json"), 400)
    assert set(body["errors"]) == {"username", "password"}


def test_it_refuses_an_inactive_user(officer, anon):
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert_error(sign_in(anon), 400)


def test_it_locks_out_after_five_failures_even_with_the_right_password(officer, anon):
    for _ in range(5):
        sign_in(APIClient(), password="wrong-password")
    response = sign_in(APIClient())
    body = assert_error(response, 429)
    assert "Too many failed sign-ins" in body["detail"]
    assert response["Content-Type"] == "application/json"
    assert not Token.objects.exists()


def test_it_throttles_the_token_endpoint_more_strictly(officer, anon, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "3/minute")
    for _ in range(3):
        assert sign_in(anon).status_code == 200
    body = assert_error(sign_in(anon), 429)
    assert "throttled" in body["detail"].lower()


def test_it_revokes_the_callers_token_and_only_theirs(officer, supervisor, as_officer, as_supervisor):
    assert as_officer.delete(TOKEN).status_code == 204
    assert not Token.objects.filter(user=officer).exists()
    assert_error(as_officer.get("/api/v1/me/"), 401)
    assert as_supervisor.get("/api/v1/me/").status_code == 200


def test_it_asks_anonymous_callers_for_a_token(anon):
    response = anon.get("/api/v1/incidents/")
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_it_refuses_an_unknown_token(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_error(anon.get("/api/v1/incidents/"), 401)


def test_it_accepts_a_desk_session_and_requires_csrf_on_writes(officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer, backend="precincts.backends.StaffBackend")
    assert browser.get("/api/v1/incidents/").status_code == 200

    refused = browser.post("/api/v1/posts/check/", {"text": "Hello"}, content_type="application/json")
    assert "CSRF" in assert_error(refused, 403)["detail"]

    browser.get("/desk/")  # a desk page (its sign-out form) sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(
        "/api/v1/posts/check/", {"text": "Hello"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 200


def test_it_needs_no_csrf_token_to_sign_in_for_a_token(officer):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(TOKEN, {"username": "officer", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200


def test_it_tells_the_caller_who_they_are(supervisor, as_supervisor):
    assert as_supervisor.get("/api/v1/me/").json() == {
        "id": supervisor.pk,
        "username": "supervisor",
        "name": supervisor.get_full_name(),
        "memberships": [{"precinct": "precinct-a", "precinct_name": "Precinct A", "role": "supervisor"}],
    }
