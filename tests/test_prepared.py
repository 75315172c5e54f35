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


def _prepared_statements(connection_) -> dict[str, tuple[int, int]]:
    """{statement: (generic plans, custom plans)} of the connection's prepared statements."""
    with connection_.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


def test_postgresql_prepares_a_read_at_once_and_keeps_one_generic_plan(incidents):
    """The settings: prepare_threshold=0 and plan_cache_mode=force_generic_plan (DATABASE_PREPARED_READS)."""
    require_postgresql()
    north, _, rows = incidents
    read = PreparedRead(Incident, _after, -1, NO_MOMENT, -2)
    for row in rows[:6]:
        read(north.pk, row.reported_at, row.pk)
    plans = [counts for sql, counts in _prepared_statements(connection).items() if '"reported_at" <= $2' in sql]
    assert plans == [(6, 0)]  # one statement, planned once, its plan used six times


def test_constants_are_written_into_the_sql_so_the_one_plan_can_use_partial_indexes(incidents):
    require_postgresql()
    north, _, _ = incidents
    read = PreparedRead(
        Incident,
        lambda pk: Incident.objects.filter(precinct_id=pk, status__in=["new", "investigating"]).values_list("pk"),
        -1,
    )
    assert sorted(read(north.pk)) == sorted(Incident.objects.filter(precinct=north).values_list("pk"))
    statement = next(sql for sql in _prepared_statements(connection) if "IN ('new', 'investigating')" in sql)
    assert '"incidents_incident"."precinct_id" = $1' in statement


@pytest.mark.parametrize("text", ["O'Brien's corner", "100% sure", "50%s off", "back\\slash", "$1 dollar"])
def test_constants_with_quotes_and_percent_signs_read_exactly_the_rows_the_queryset_reads(incidents, text):
    north, south, rows = incidents
    Incident.objects.filter(pk=rows[1].pk).update(public_location=f"At {text} and more")

    def build(precinct_id):
        return Incident.objects.filter(precinct_id=precinct_id, public_location__icontains=text).values_list("pk")

    read = PreparedRead(Incident, build, -1)
    assert read(north.pk) == list(build(north.pk)) == [(rows[1].pk,)]
    assert read(south.pk) == []


def test_every_other_query_is_bound_on_the_client_and_planned_with_its_values(incidents):
    """The generic-plan setting reaches prepared reads only: PostgreSQL sees no parameters anywhere else."""
    require_postgresql()
    north, _, _ = incidents
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
    for _ in range(6):
        list(Incident.objects.filter(precinct=north, status="new", public_summary__contains="marker"))
    assert not [sql for sql in _prepared_statements(connection) if '"public_summary"' in sql]
