"""Keyset ("seek") pagination: pages stay fast however deep, with no OFFSET.

A cursor encodes the sort key of the last row shown; the next page asks for
rows strictly after it in the ordering `(-<time field>, -id)`.
"""

import base64
import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections
from django.db.models import Q, QuerySet

# Ids are 64-bit (BigAutoField).
MAX_ID = 2**63 - 1


@dataclass
class Page:
    items: list
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def encode_cursor(moment: datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, id) a cursor stands for, or None for a missing or mangled cursor."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return parse_moment(moment), parse_pk(pk)
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None


def parse_moment(text: str) -> datetime:
    """A cursor's time, in UTC; ValueError or OverflowError for one without an offset or out of range."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"A time without an offset: {text[:40]}")
    # Times at the very edge of the calendar cannot be converted to UTC (OverflowError).
    return parsed.astimezone(UTC)


def parse_pk(text: str) -> int:
    """A cursor's id; ValueError for one no row can have (the database could not compare it)."""
    pk = int(text)
    if not 0 < pk <= MAX_ID:
        raise ValueError(f"No row has the id {text[:40]}")
    return pk


def after(queryset: QuerySet, *, field: str, moment: datetime, pk: int) -> QuerySet:
    """The rows of `queryset` that come after (moment, pk) in the ordering (-field, -id)."""
    return seek(queryset, field=field, value=moment, pk=pk, below=True)


def seek(queryset: QuerySet, *, field: str, value, pk: int, below: bool) -> QuerySet:
    """The rows of `queryset` whose key (field, id) is below (value, pk), or above it."""
    strict, bound = ("lt", "lte") if below else ("gt", "gte")
    # The plain bound lets the database start its index scan at the key;
    # the OR alone would make it walk the index from the top.
    return queryset.filter(**{f"{field}__{bound}": value}).filter(
        Q(**{f"{field}__{strict}": value}) | Q(**{field: value, f"pk__{strict}": pk})
    )


def newest_first(queryset: QuerySet, *, field: str, size: int, among: tuple[str, list] | None = None) -> QuerySet:
    """The first `size` rows of `queryset` in the order (-field, -id); with `among=(name, values)`, of
    the rows whose `name` is one of `values` (a user's precincts, say).

    `name IN (…) ORDER BY field, id LIMIT n` cannot walk an index on (name, field, id) in order: the
    database reads every row of every value and sorts them. With more than one value, and where the
    database can order and limit each part of a UNION (PostgreSQL), this reads the first `size` rows of
    each value in index order and merges those instead: at most `size` × values rows, however many each
    value has. The rows must include `field` and the primary key (the merge orders by them).
    """
    order = (f"-{field}", "-pk")
    if among is None:
        return queryset.order_by(*order)[:size]
    name, values = among
    if not _can_merge(queryset, values):
        return queryset.filter(**{f"{name}__in": values}).order_by(*order)[:size]
    return _merge(queryset, name, values, order, 0, size)


def _can_merge(queryset: QuerySet, values) -> bool:
    return len(values) > 1 and connections[queryset.db].features.supports_slicing_ordering_in_compound


def _merge(queryset: QuerySet, name: str, values, order, start: int, stop: int) -> QuerySet:
    """Rows start to stop of `queryset` in `order`, from the first `stop` rows of each value of `name`."""
    first, *rest = (queryset.filter(**{name: value}).order_by(*order)[:stop] for value in values)
    return first.union(*rest, all=True).order_by(*order)[start:stop]


def merged_slices(queryset: QuerySet, *, among: tuple[str, list]) -> QuerySet:
    """`queryset`, whose ordered slices are read as in `newest_first`: one ordered, limited read per
    value of `among` (name, values), merged. For a paginator that orders, filters and slices the
    QuerySet itself (DRF's cursor pagination). The QuerySet keeps its own filters (its `name IN (…)`
    scoping among them); each part adds `name = value`.
    """
    clone = queryset._chain()
    clone.__class__ = _merged_class(type(queryset))
    clone.merge_on = among
    return clone


class _MergedSlices:
    """Mixed into a QuerySet's own class by `merged_slices`."""

    plain_class: type
    merge_on: tuple[str, list]

    def _clone(self):
        clone = super()._clone()
        clone.merge_on = self.merge_on
        return clone

    def __getitem__(self, k):
        name, values = self.merge_on
        order = self.query.order_by
        if not isinstance(k, slice) or k.step or k.stop is None or not order or not _can_merge(self, values):
            return super().__getitem__(k)
        plain = self._chain()
        plain.__class__ = self.plain_class
        return _merge(plain, name, values, order, k.start or 0, k.stop)


@functools.cache
def _merged_class(plain: type) -> type:
    return type(f"Merged{plain.__name__}", (_MergedSlices, plain), {"plain_class": plain})


def page_of(rows: list, *, field: str, size: int) -> Page:
    """A page from up to `size + 1` rows read in order: the extra row says there is a next page."""
    items, more = rows[:size], len(rows) > size
    next_cursor = encode_cursor(getattr(items[-1], field), items[-1].pk) if more else None
    return Page(items=items, next_cursor=next_cursor)


def paginate(
    queryset: QuerySet, *, field: str, cursor: str | None, size: int, among: tuple[str, list] | None = None
) -> Page:
    """One page of `queryset` ordered newest first by `field`, then id (`among`: see `newest_first`)."""
    position = decode_cursor(cursor)
    if position is not None:
        moment, pk = position
        queryset = after(queryset, field=field, moment=moment, pk=pk)
    rows = list(newest_first(queryset, field=field, size=size + 1, among=among))
    return page_of(rows, field=field, size=size)
