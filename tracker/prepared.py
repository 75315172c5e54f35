"""Reads compiled to SQL once per database connection, then run with new values.

Building a QuerySet and compiling it to SQL takes longer than running a small
indexed query, and the public pages run the same few reads all day with only
a slug, an id or a cursor changing. A `PreparedRead` keeps the QuerySet as the
one definition of the read (filters, joins, fields, order) and compiles it
once per connection; each call swaps the new values into the compiled
parameters and runs the SQL.

On PostgreSQL a read is also planned once per connection. Its SQL keeps as
parameters only the values a call passes; every other value of the QuerySet
(a status, a flag: constants of the code) is written into the SQL as a
literal, so that the one plan made for all values can still use partial
indexes ("WHERE status IN ('published', 'retracted')"). The read is sent with
its parameters bound on the server, which lets psycopg prepare it (with
``prepare_threshold`` set in the database OPTIONS), and the settings make
PostgreSQL keep one generic plan per prepared statement
(``plan_cache_mode=force_generic_plan``, ``DATABASE_PREPARED_READS``).
That setting touches nothing else: every other query is bound on the client
(Django's default), so PostgreSQL sees no parameters in it and plans it with
its values every time, as before.
"""

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connections, router
from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable
from django.db.models.utils import create_namedtuple_class
from psycopg.sql import Literal

# A sample for a date parameter: no row is dated in the first microsecond of year 1.
NO_MOMENT = datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


class PreparedRead:
    """A `values_list()` read, compiled once per connection and run with new values.

    `build(*samples)` returns the QuerySet. Each sample is a value no row has and
    no other parameter of the query equals (a negative id, a slug with a NUL in
    it, a date in year 1); `build` uses it as a query parameter, as often as it
    likes, and a call passes one value for each sample, in order. Rows come back
    converted as `values_list()` gives them: tuples, or named tuples when the
    QuerySet was made with `values_list(..., named=True)`.
    """

    def __init__(self, model, build: Callable[..., QuerySet], *samples):
        self._model = model
        self._build = build
        self._samples = samples
        # A compiler belongs to one connection, and a connection to one thread.
        self._local = threading.local()

    def __call__(self, *values) -> list[tuple]:
        if len(values) != len(self._samples):
            raise TypeError(f"This read takes {len(self._samples)} values, not {len(values)}.")
        connection = connections[router.db_for_read(self._model)]
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled[0] is not connection:
            compiled = self._local.compiled = self._compile(connection)
        _, compiler, sql, params, positions, row = compiled
        if positions:
            params = list(params)
            for value, places in zip(values, positions, strict=True):
                value = _adapt(connection, value)
                for place in places:
                    params[place] = value
        with _cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        results = compiler.results_iter(results=[rows], tuple_expected=True)
        return [row._make(result) for result in results] if row else list(results)

    def _compile(self, connection):
        queryset = self._build(*self._samples)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = []
        for sample in self._samples:
            adapted = _adapt(connection, sample)
            places = [i for i, param in enumerate(params) if type(param) is type(adapted) and param == adapted]
            if not places:
                raise ValueError(f"The sample {sample!r} is not among the query's parameters: {params!r}")
            positions.append(places)
        if len({place for places in positions for place in places}) != sum(map(len, positions)):
            raise ValueError(f"Two samples share a parameter: {self._samples!r}")
        if connection.vendor == "postgresql":
            sql, params, positions = _with_constants_inline(connection, sql, params, positions)
        row = None
        if issubclass(queryset._iterable_class, NamedValuesListIterable):
            # The names values_list(named=True) gives its rows.
            query = queryset.query
            names = queryset._fields or (*query.extra_select, *query.values_select, *query.annotation_select)
            row = create_namedtuple_class(*names)
        return connection, compiler, sql, params, positions, row


# A parameter's place in Django's SQL, or an escaped percent sign (which is not one).
PLACEHOLDER = re.compile(r"%%|%s")


def _with_constants_inline(connection, sql: str, params: tuple, positions: list[list[int]]):
    """The SQL with every parameter but the samples' written in as a literal (quoted by psycopg for
    this connection), the parameters left, and the samples' positions among them."""
    variable = {place for places in positions for place in places}
    kept, renumbered = [], {}
    seen = -1

    def replace(match):
        nonlocal seen
        if match.group() == "%%":
            return "%%"
        seen += 1
        if seen in variable:
            renumbered[seen] = len(kept)
            kept.append(params[seen])
            return "%s"
        return Literal(params[seen]).as_string(connection.connection).replace("%", "%%")

    connection.ensure_connection()
    sql = PLACEHOLDER.sub(replace, sql)
    if seen != len(params) - 1:
        raise ValueError(f"The SQL has {seen + 1} placeholders for {len(params)} parameters: {sql}")
    return sql, tuple(kept), [[renumbered[place] for place in places] for places in positions]


class _LoggedServerBound(CursorDebugWrapper):
    """Logs a server-bound read with its values written in, as Django logs every other query
    (Django's own logging takes the SQL from psycopg, which keeps none for a prepared statement)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)  # not the debug wrapper's: logged here


def _cursor(connection):
    """A cursor for a read: on PostgreSQL one that binds parameters on the server (so psycopg can
    prepare the statement), in Django's wrapper all the same (queries are logged, counted and
    wrapped as any other); elsewhere Django's own."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = ServerBindingCursor(connection.connection)
    return _LoggedServerBound(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


def _adapt(connection, value):
    """A value as the compiled query holds it (SQLite keeps dates as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value
