"""The idle timeout, with the session row written at most once a minute (precincts/sessions.py)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from precincts.sessions import SessionStore, note_activity
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

DESK = "/desk/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
IDLE = timedelta(minutes=30)


def signed_in(username) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_writes(client, path=DESK) -> list[str]:
    """The statements of one request that write session rows."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


def row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def saved_ago(client, seconds):
    """As if the session had last been saved `seconds` ago."""
    expire_date = timezone.now() + IDLE - timedelta(seconds=seconds)
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(expire_date=expire_date)
    return expire_date


# --- over HTTP ------------------------------------------------------------------------


def test_it_writes_nothing_for_requests_within_a_minute_of_signing_in(officer):
    client = signed_in("officer")
    signed_in_until = row(client).expire_date

    assert session_writes(client) == []
    assert session_writes(client) == []
    assert row(client).expire_date == signed_in_until


def test_it_pushes_the_expiry_back_once_the_last_save_is_a_minute_old(officer):
    client = signed_in("officer")
    saved_ago(client, 60)

    assert session_writes(client) != []

    assert IDLE - timedelta(seconds=10) < row(client).expire_date - timezone.now() <= IDLE
    assert session_writes(client) == []


def test_it_does_not_write_a_session_saved_less_than_a_minute_ago(officer):
    client = signed_in("officer")
    expire_date = saved_ago(client, 50)

    assert session_writes(client) == []
    assert row(client).expire_date == expire_date


def test_it_counts_a_request_that_never_looks_at_the_session_as_activity(officer):
    client = signed_in("officer")
    saved_ago(client, 60)

    assert session_writes(client, "/healthz") != []
    assert row(client).expire_date - timezone.now() > IDLE - timedelta(seconds=10)


def test_it_still_ends_a_session_after_thirty_idle_minutes(officer):
    client = signed_in("officer")
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(DESK)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={DESK}"
    # Nothing revived the old session, and no new one was started for the anonymous visitor.
    assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()


def test_it_ends_the_session_at_sign_out(officer):
    client = signed_in("officer")
    key = client.cookies["sessionid"].value

    assert client.post(LOGOUT).status_code == 302

    assert not Session.objects.filter(session_key=key).exists()
    assert Session.objects.count() == 0
    assert client.get(DESK).status_code == 302


def test_it_starts_no_session_for_anonymous_visitors(client):
    assert client.get("/healthz").status_code == 200
    assert client.get(DESK).status_code == 302
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


# --- note_activity --------------------------------------------------------------------


def stored_session(*, saved_seconds_ago: int) -> SessionStore:
    session = SessionStore()
    session["_auth_user_id"] = "1"
    session.create()
    expire_date = timezone.now() + IDLE - timedelta(seconds=saved_seconds_ago)
    Session.objects.filter(session_key=session.session_key).update(expire_date=expire_date)
    return SessionStore(session.session_key)  # as the next request reads it


@pytest.mark.parametrize(
    ("saved_seconds_ago", "saved"),
    [
        (0, False),
        (59, False),
        (60, True),
        (29 * 60, True),
        (-120, False),  # saved by a server whose clock is ahead: due once its minute has passed here
    ],
)
def test_it_marks_the_session_for_saving_when_its_last_save_is_a_minute_old(saved_seconds_ago, saved):
    session = stored_session(saved_seconds_ago=saved_seconds_ago)

    note_activity(session, interval=60)

    assert session.modified is saved


def test_it_marks_a_session_it_has_not_read_from_the_database():
    session = SessionStore()
    session["_auth_user_id"] = "1"
    session.modified = False
    note_activity(session, interval=60)
    assert session.modified


def test_it_leaves_alone_a_request_without_a_session():
    session = SessionStore()
    note_activity(session, interval=60)
    assert session.is_empty()
    assert not session.modified


def test_it_leaves_alone_a_cookie_of_a_session_that_does_not_exist():
    session = SessionStore("no-such-session-key-0123456789")
    note_activity(session, interval=60)
    assert session.is_empty()
    assert not session.modified
