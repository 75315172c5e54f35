"""tracker.prepared.PreparedRead: the same rows as the QuerySet it is built from, with new values each call."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Q

from incidents.models import Incident
from tests.factories import IncidentFactory, PrecinctFactory
from tests.support import require_postgresql
from tracker.prepared import NO_MOMENT, PreparedRead

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 8, 6, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def incidents():
    north, south = PrecinctFactory(slug="north"), PrecinctFactory(slug="south")
    rows = []
    for n in range(12):
        # Pairs of reports share a time, so the cursor's tie-break on id matters.
        rows.append(IncidentFactory(precinct=north if n % 3 else south, reported_at=START + timedelta(hours=n // 2)))
    return north, south, rows


def _after(precinct_id, moment, pk):
    """The keyset shape: the precinct's reports after (moment, pk), newest first; `moment` is used three times."""
    return (
        Incident.objects.filter(precinct_id=precinct_id, reported_at__lte=moment)
        .filter(Q(reported_at__lt=moment) | Q(reported_at=moment, pk__lt=pk))
        .order_by("-reported_at", "-pk")
        .values_list("pk", "reference", "reported_at", named=True)[:4]
    )


def test_it_gives_the_rows_the_queryset_gives_for_every_set_of_values(incidents):
    north, south, rows = incidents
    read = PreparedRead(Incident, _after, -1, NO_MOMENT, -2)
    for precinct in (north, south):
        for row in rows:
            got = read(precinct.pk, row.reported_at, row.pk)
            assert got == list(_after(precinct.pk, row.reported_at, row.pk))
            assert all(type(item).__name__ == "Row" for item in got)
    assert read(north.pk, START - timedelta(days=1), 10**9) == []


def test_named_rows_have_the_field_names_and_plain_rows_are_tuples(incidents):
    north, _, _ = incidents
    named = PreparedRead(
        Incident, lambda slug: Incident.objects.filter(precinct__slug=slug).values_list("pk", named=True), "\x00"
    )
    plain = PreparedRead(Incident, lambda slug: Incident.objects.filter(precinct__slug=slug).values_list("pk"), "\x00")
    assert sorted(row.pk for row in named("north")) == sorted(pk for (pk,) in plain("north"))
    assert plain("nowhere") == []
    assert type(plain("north")[0]) is tuple


def test_it_refuses_a_sample_the_query_does_not_use():
    read = PreparedRead(Incident, lambda value: Incident.objects.values_list("id")[:1], -1)
    with pytest.raises(ValueError, match="not among the query's parameters"):
        read(1)


def test_it_refuses_samples_that_cannot_be_told_apart():
    read = PreparedRead(Incident, lambda a, b: Incident.objects.filter(id=a, precinct_id=b).values_list("id"), -1, -1)
    with pytest.raises(ValueError, match="share a parameter"):
        read(1, 2)


def test_it_refuses_the_wrong_number_of_values():
    read = PreparedRead(Incident, lambda a: Incident.objects.filter(id=a).values_list("id"), -1)
    with pytest.raises(TypeError, match="takes 1 values"):
        read(1, 2)


def test_postgresql_plans_a_read_once_per_connection(incidents):
    """Django turns psycopg's prepared statements off unless OPTIONS asks (prepare_threshold); the settings ask."""
    require_postgresql()
    north, _, rows = incidents
    read = PreparedRead(Incident, _after, -1, NO_MOMENT, -2)
    for row in rows[:6]:  # psycopg prepares a query the fifth time a connection runs it
        read(north.pk, row.reported_at, row.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('"incidents_incident"."reported_at" <= $2' in statement for statement in prepared), prepared
