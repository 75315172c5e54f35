"""The request's user, read by the sign-in backend's prepared read (precincts/backends.py)."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from precincts.backends import StaffBackend
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
DESK = "/desk/"
User = get_user_model()


def signed_in(username) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_signing_in_records_this_backend_and_the_desk_sees_the_user(officer):
    client = signed_in(officer.username)

    assert client.session[BACKEND_SESSION_KEY] == "precincts.backends.StaffBackend"
    response = client.get(DESK)
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == officer.pk


def test_it_gives_the_user_with_every_field_as_the_orm_reads_it(officer):
    user = StaffBackend().get_user(officer.pk)
    expected = User.objects.get(pk=officer.pk)

    assert type(user) is User
    assert user.pk == expected.pk
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected, field.attname), field.name
    assert user._state.adding is False and user._state.db == "default"
    assert user.get_session_auth_hash() == expected.get_session_auth_hash()


def test_it_reads_the_user_in_one_query_and_takes_a_key_from_the_session_as_a_string(officer):
    with CaptureQueriesContext(connection) as captured:
        user = StaffBackend().get_user(str(officer.pk))

    assert user.pk == officer.pk
    assert len(captured) == 1


@pytest.mark.parametrize("key", [-1, 10**9, "not a number", None])
def test_no_user_for_a_key_no_user_has(key):
    assert StaffBackend().get_user(key) is None


def test_a_deactivated_user_is_signed_out_at_the_next_request(officer):
    client = signed_in(officer.username)
    User.objects.filter(pk=officer.pk).update(is_active=False)

    response = client.get(DESK)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_password_change_elsewhere_signs_the_session_out(officer):
    client = signed_in(officer.username)
    officer.set_password("a different pass phrase 2026")
    officer.save()

    response = client.get(DESK)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_wrong_password_is_refused(officer):
    response = Client().post(LOGIN, {"username": officer.username, "password": "wrong"})

    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
