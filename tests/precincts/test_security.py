"""Sign-in lockout, sessions, the audit trail, CSRF, security headers and the production settings."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.utils import timezone

from incidents.models import FollowUp, Incident, Status
from precincts.models import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
HOME_IP = "10.1.2.3"


def sign_in(client, username, password, ip=HOME_IP, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in_as(client):
    """The id of the signed-in user, checked the way the desk checks it: by asking for a page."""
    response = client.get("/desk/", REMOTE_ADDR=HOME_IP)
    return None if response.status_code == 302 else response.wsgi_request.user.pk


def fail_five_times(username, ip=HOME_IP):
    client = Client()
    for _ in range(5):
        sign_in(client, username, "wrong-password-123", ip=ip)


def age_attempts(username, minutes):
    """Move the recorded failures back in time, as if `minutes` had passed."""
    AccessAttempt.objects.filter(username=username).update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


# --- lockout ---------------------------------------------------------------------


def test_it_signs_in_with_the_right_password(officer, password):
    client = Client()
    response = sign_in(client, "officer", password)
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert signed_in_as(client) == officer.pk


def test_it_refuses_a_wrong_password_with_a_message(officer):
    client = Client()
    response = sign_in(client, "officer", "wrong-password-123")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert signed_in_as(client) is None


def test_it_locks_out_the_right_password_after_five_failures(officer, password):
    fail_five_times("officer")
    client = Client()
    response = sign_in(client, "officer", password)
    assert response.status_code == 429
    assert "Sign-in locked for now" in response.content.decode()
    assert signed_in_as(client) is None


def test_it_starts_locking_out_on_the_fifth_failure_not_before(officer, password):
    client = Client()
    for _ in range(4):
        assert sign_in(client, "officer", "wrong-password-123").status_code == 200
    assert sign_in(client, "officer", password).status_code == 302


def test_it_keeps_the_lockout_for_at_least_ten_minutes(officer, password):
    assert timedelta(minutes=10) <= settings.AXES_COOLOFF_TIME
    fail_five_times("officer")
    age_attempts("officer", 9)
    client = Client()
    response = sign_in(client, "officer", password)
    assert response.status_code == 429
    assert signed_in_as(client) is None


def test_it_lifts_the_lockout_after_the_cool_off(officer, password):
    fail_five_times("officer")
    age_attempts("officer", 16)
    client = Client()
    response = sign_in(client, "officer", password)
    assert response.status_code == 302
    assert signed_in_as(client) == officer.pk


def test_it_does_not_lock_the_same_username_from_another_address(officer, password):
    fail_five_times("officer")
    client = Client()
    response = sign_in(client, "officer", password, ip="10.9.9.9")
    assert response.status_code == 302
    assert signed_in_as(client) == officer.pk


def test_it_does_not_lock_another_username_from_the_same_address(officer, supervisor, password):
    fail_five_times("officer")
    client = Client()
    response = sign_in(client, "supervisor", password)
    assert response.status_code == 302
    assert signed_in_as(client) == supervisor.pk


def test_it_tells_the_locked_out_user_how_long_to_wait_in_words(officer, password):
    fail_five_times("officer")
    page = sign_in(Client(), "officer", password).content.decode()
    assert "PT15M" not in page
    assert "15 minutes" in page


# --- sessions --------------------------------------------------------------------


def test_it_ends_sessions_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # Pushed back by every request, the session row written at most once a minute (precincts/sessions.py).
    assert settings.SESSION_REFRESH_SECONDS == 60
    assert settings.SESSION_ENGINE == "precincts.sessions"
    assert "precincts.sessions.IdleSessionMiddleware" in settings.MIDDLEWARE


def test_it_sends_an_expired_session_back_to_sign_in(officer, password):
    client = Client()
    sign_in(client, "officer", password)
    assert client.get("/desk/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/desk/"


def test_it_extends_the_session_on_every_request(officer, password):
    client = Client()
    sign_in(client, "officer", password)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/desk/").status_code == 200
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)


# --- audit trail -----------------------------------------------------------------


def only_entry(**filters) -> AuditEntry:
    (entry,) = AuditEntry.objects.filter(**filters)
    return entry


def assert_recent(entry):
    assert timezone.now() - timedelta(minutes=1) < entry.created_at <= timezone.now()


def test_it_audits_a_sign_in(officer, password):
    sign_in(Client(), "officer", password, HTTP_USER_AGENT="Firefox/128")
    entry = only_entry(action=AuditEntry.Action.SIGN_IN)
    assert (entry.actor, entry.username, entry.ip_address) == (officer, "officer", HOME_IP)
    assert entry.user_agent == "Firefox/128"
    assert_recent(entry)


@pytest.mark.parametrize("username", ["officer", "no-such-user"])
def test_it_audits_a_failed_sign_in_with_the_name_typed(officer, username):
    sign_in(Client(), username, "wrong-password-123")
    entry = only_entry(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert (entry.actor, entry.username, entry.ip_address) == (None, username, HOME_IP)
    assert_recent(entry)


def test_it_never_audits_the_password_typed(officer):
    sign_in(Client(), "officer", "wrong-password-123")
    for entry in AuditEntry.objects.all():
        assert "wrong-password-123" not in json.dumps(entry.detail)


def test_it_audits_a_sign_out(officer, password):
    client = Client()
    sign_in(client, "officer", password)
    response = client.post(LOGOUT, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 302
    entry = only_entry(action=AuditEntry.Action.SIGN_OUT)
    assert (entry.actor, entry.username, entry.ip_address) == (officer, "officer", "10.7.7.7")
    assert_recent(entry)
    assert signed_in_as(client) is None


def test_it_audits_logging_a_report_from_the_desk(officer_client, officer, precinct_a, category):
    officer_client.post(
        "/desk/incidents/new/",
        {
            "precinct": precinct_a.pk,
            "category": category.pk,
            "public_summary": "Broken shop window on the corner",
            "public_location": "300 block of Elm St",
            "source": "walk_in",
            "priority": "2",
        },
        REMOTE_ADDR="10.4.5.6",
    )
    incident = Incident.objects.get()
    entry = only_entry(action=AuditEntry.Action.INCIDENT_CREATED)
    assert (entry.actor, entry.username, entry.ip_address) == (officer, "officer", "10.4.5.6")
    assert (entry.precinct, entry.object_type, entry.object_id) == (precinct_a, "incident", str(incident.pk))
    assert_recent(entry)


def test_it_audits_a_change_from_the_desk(supervisor_client, supervisor, incident):
    supervisor_client.post(
        f"/desk/incidents/{incident.reference}/",
        {"version": incident.version, "to_status": Status.INVESTIGATING},
        REMOTE_ADDR="10.4.5.7",
    )
    entry = only_entry(action=AuditEntry.Action.INCIDENT_CHANGED)
    assert (entry.actor, entry.username, entry.ip_address) == (supervisor, "supervisor", "10.4.5.7")
    assert (entry.object_type, entry.object_id) == ("incident", str(incident.pk))
    assert entry.detail["to_status"] == Status.INVESTIGATING
    assert_recent(entry)


# --- CSRF ------------------------------------------------------------------------


def test_it_refuses_a_follow_up_without_a_csrf_token(officer, incident):
    client = login(Client(enforce_csrf_checks=True), officer)
    before = FollowUp.objects.count()
    response = client.post(f"/desk/incidents/{incident.reference}/", {"version": 1, "internal_note": "Forged."})
    assert response.status_code == 403
    assert FollowUp.objects.count() == before


def test_it_accepts_a_follow_up_with_the_pages_csrf_token(officer, incident):
    client = login(Client(enforce_csrf_checks=True), officer)
    page = client.get(f"/desk/incidents/{incident.reference}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/desk/incidents/{incident.reference}/",
        {"version": 1, "internal_note": "Real.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert incident.followups.filter(internal_note="Real.").exists()


# --- headers ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/desk/", "/desk/incidents/new/", "detail", "/accounts/login/"])
def test_it_sends_the_security_headers(officer_client, incident, path):
    path = f"/desk/incidents/{incident.reference}/" if path == "detail" else path
    response = officer_client.get(path) if path != LOGIN else Client().get(path)
    assert response.status_code == 200
    csp = {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split(";") if d.strip()}
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/desk/", "/desk/incidents/new/", "detail", "/accounts/login/"])
def test_it_needs_no_inline_script_or_style_the_policy_would_block(officer_client, incident, path):
    path = f"/desk/incidents/{incident.reference}/" if path == "detail" else path
    page = (officer_client.get(path) if path != LOGIN else Client().get(path)).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)


# --- production settings -----------------------------------------------------------


def production_env(**extra) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "blotter.example.org",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    env.update(extra)
    return env


def test_it_passes_the_deployment_checks_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_uses_the_secure_defaults_in_production():
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({n: getattr(s, n) for n in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_AGE']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_AGE"] == 1800
