"""Standing actors of the test suite (STYLE.md): `officer` and `supervisor` of
precinct A, `outsider` of precinct B, plus an anonymous client."""

import pytest

from incidents import public
from incidents.services import incident_create
from precincts.models import Membership
from tests.factories import PASSWORD, CategoryFactory, MembershipFactory, PrecinctFactory, UserFactory
from tracker import conditional


@pytest.fixture
def precinct_a(db):
    return PrecinctFactory(name="Precinct A", slug="precinct-a", code="PA")


@pytest.fixture
def precinct_b(db):
    return PrecinctFactory(name="Precinct B", slug="precinct-b", code="PB")


@pytest.fixture
def category(db):
    return CategoryFactory(name="Noise", slug="noise")


@pytest.fixture
def officer(precinct_a):
    return MembershipFactory(
        user=UserFactory(username="officer"), precinct=precinct_a, role=Membership.Role.OFFICER
    ).user


@pytest.fixture
def supervisor(precinct_a):
    return MembershipFactory(
        user=UserFactory(username="supervisor"), precinct=precinct_a, role=Membership.Role.SUPERVISOR
    ).user


@pytest.fixture
def outsider(precinct_b):
    return MembershipFactory(
        user=UserFactory(username="outsider"), precinct=precinct_b, role=Membership.Role.SUPERVISOR
    ).user


@pytest.fixture
def password():
    return PASSWORD


def login(client, user):
    client.force_login(user, backend="precincts.backends.StaffBackend")
    return client


@pytest.fixture
def officer_client(client, officer):
    return login(client, officer)


@pytest.fixture
def supervisor_client(client, supervisor):
    return login(client, supervisor)


@pytest.fixture
def outsider_client(client, outsider):
    return login(client, outsider)


@pytest.fixture
def incident(officer, precinct_a, category):
    """A report logged through the service, as the desk does."""
    return incident_create(
        acting_user=officer,
        precinct=precinct_a,
        category=category,
        public_summary="Loud music from a party late at night",
        public_location="200 block of Main St",
        reporter_name="Maria Gonzalez",
        reporter_phone="(212) 555-0142",
        reporter_email="maria.gonzalez@example.org",
        exact_address="234 Main St, Apt 3",
        internal_narrative="Caller says the party is at her neighbour's.",
        involved_names="Dmitri Volkov",
    )


@pytest.fixture(autouse=True)
def _fresh_category_choices():
    """The public pages keep the category list in the process; a test's rolled-back rows must not linger."""
    public.forget_category_choices()
    conditional.forget_held_tokens()


@pytest.fixture(autouse=True)
def _tasks_run_inline(request):
    """Celery tasks run inline in tests, as in the demo, unless a test brings a real worker."""
    from tracker.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
