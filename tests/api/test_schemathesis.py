"""Schemathesis against /api/schema/, served by the Django app itself (in-process WSGI).

For every operation in the schema, and for three callers (anonymous, the
officer's token, the supervisor's token), Schemathesis generates requests
from the schema (valid ones and deliberately invalid ones) and checks the
answers: never a server error, and every status code, content type, header
and body as the schema documents it. The records of precinct A exist in
every state, so valid ids and references lead somewhere.

Bounded to keep the run short (see EXAMPLES); the seed is derived per
operation, so a failure reproduces.
"""

import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

# Generated requests per operation and caller, beyond Schemathesis' examples of each schema.
EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    ),
)

# Path parameters that name real records (filled in by `app_world`), mixed into the generated ones:
# random ids and references almost never exist, and would only ever test the 404s.
KNOWN: dict[str, list] = {}
_PATH_PARAMETER = re.compile(r"{(\w+)}")


@schema.hook
def before_generate_path_parameters(context, strategy):
    names = _PATH_PARAMETER.findall(context.operation.path)
    if not names:
        return strategy
    picks = st.tuples(*(st.integers(min_value=0, max_value=7) for _ in names))
    known = picks.map(
        lambda p: {n: KNOWN[n][i % len(KNOWN[n])] for n, i in zip(names, p, strict=True)} if KNOWN else None
    )
    return st.one_of(strategy, known.filter(bool))


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def app_world(world, monkeypatch):
    """Precinct A with a record in every state, and an app that runs inside the test's transaction."""
    # Django's WSGI handler closes "old" database connections when a request starts and ends; inside
    # a test's transaction that would be the test's own connection (Django's test client avoids the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    for scope in ("anon", "user", "auth"):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1000000/minute")
    posts = [getattr(world, name).pk for name in ("draft", "in_review", "published", "urgent_alert")]
    references = [world.incident.reference, world.closed_incident.reference]
    KNOWN.update(slug=["precinct-a", "precinct-b"], reference=references, post_id=posts)
    yield world
    KNOWN.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def token_header(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@BOUNDED
def test_anonymous(case, app_world):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_officer(case, app_world):
    case.call_and_validate(headers=token_header(app_world.officer), checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_supervisor(case, app_world):
    case.call_and_validate(headers=token_header(app_world.supervisor), checks=CHECKS)


def test_it_checks_every_operation_of_the_schema():
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25
    assert {op.path for op in operations} >= {"/api/v1/posts/check/", "/api/v1/incidents/{reference}/followups/"}
