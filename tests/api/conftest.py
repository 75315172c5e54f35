"""API test fixtures: token clients for the standing actors, and a precinct A
with one record in every state, each made through the services as the desk does."""

from functools import cached_property

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Outcome, Post, PostStatus, Status
from incidents.services import Change, followup_add
from incidents.services import posts as post_services
from precincts.models import Membership
from tests.factories import MembershipFactory, UserFactory

ACTORS = ("anonymous", "officer", "supervisor", "outsider")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def as_officer(officer):
    return token_client(officer)


@pytest.fixture
def as_supervisor(supervisor):
    return token_client(supervisor)


@pytest.fixture
def as_outsider(outsider):
    return token_client(outsider)


@pytest.fixture
def actor_client(request):
    """The client of an actor named by a string: "anonymous", "officer", "supervisor" or "outsider"."""

    def make(actor: str) -> APIClient:
        return APIClient() if actor == "anonymous" else token_client(request.getfixturevalue(actor))

    return make


def close(incident, actor, **change):
    change = {"to_status": Status.RESOLVED, "outcome": Outcome.FIXED, "internal_note": "Closing it.", **change}
    incident.refresh_from_db()
    return followup_add(
        acting_user=actor, incident=incident, expected_version=incident.version, change=Change(**change)
    )


class World:
    """Precinct A's records, made on first use: only what a test touches is built."""

    def __init__(self, *, officer, supervisor, precinct, incident, category):
        self.officer = officer
        self.supervisor = supervisor
        self.precinct = precinct
        self.incident = incident
        self.category = category

    @cached_property
    def closed_incident(self):
        from incidents.services import incident_create

        incident = incident_create(
            acting_user=self.officer,
            precinct=self.precinct,
            category=self.category,
            public_summary="Car parked across a driveway",
            public_location="300 block of Oak Ave",
        )
        self.closing = close(incident, self.officer, public_note="Officers had the car moved.")
        incident.refresh_from_db()
        return incident

    @cached_property
    def draft(self) -> Post:
        """The officer's draft, made by closing a report."""
        self.closed_incident  # noqa: B018 - closing drafts the post
        return Post.objects.get(pk=self.closing.drafted_post.pk)

    @cached_property
    def in_review(self) -> Post:
        post = post_services.post_draft_update(
            acting_user=self.officer, incident=self.incident, body="Officers are looking into the noise."
        )
        return post_services.post_submit(acting_user=self.officer, post=post)

    @cached_property
    def published(self) -> Post:
        post = post_services.post_draft_update(
            acting_user=self.officer, incident=self.incident, body="Officers spoke with the people at the party."
        )
        post = post_services.post_submit(acting_user=self.officer, post=post)
        post = post_services.post_approve(acting_user=self.supervisor, post=post)
        assert post.status == PostStatus.PUBLISHED
        return post

    @cached_property
    def second_supervisor(self):
        return MembershipFactory(
            user=UserFactory(username="supervisor2"), precinct=self.precinct, role=Membership.Role.SUPERVISOR
        ).user

    @cached_property
    def urgent_alert(self) -> Post:
        """An alert another supervisor published at once, waiting for a second look."""
        return post_services.post_create_alert(
            acting_user=self.second_supervisor,
            precinct=self.precinct,
            body="Main St is closed between 1st and 3rd Ave until noon. Please use Oak Ave.",
            publish_now=True,
        )

    def hold(self):
        post_services.precinct_hold(acting_user=self.supervisor, precinct=self.precinct, reason="Storm coverage.")


@pytest.fixture
def world(officer, supervisor, precinct_a, incident, category):
    return World(officer=officer, supervisor=supervisor, precinct=precinct_a, incident=incident, category=category)


def assert_error(response, status: int, *, field: str | None = None):
    """The one error format: a sentence in `detail`, field messages in `errors`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    for name, messages in body["errors"].items():
        assert isinstance(name, str) and messages and all(isinstance(m, str) for m in messages)
    if field is not None:
        assert field in body["errors"], body
    return body
