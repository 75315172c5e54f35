"""Cursor pagination for every list: stable under inserts, no OFFSET, and each
ordering is served by an existing index (see the models' `Meta.indexes`).

DRF's `CursorPagination` keeps only the ordering's first field as its position
and counts the rows that share it by an offset. Its `next` links are exact, but
where rows share a time across a page boundary its `previous` links skip some
of them (DRF says so: "the change in direction will introduce a paging
artifact"). Lists ordered by a field that can repeat use `KeysetCursor`
instead, whose position is the whole sort key, (field, id): every link, next
and previous, starts exactly where the page it came from ended.
"""

from base64 import b64decode, b64encode
from datetime import datetime
from urllib import parse

from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor as Position
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

from tracker import keyset


class Cursor(CursorPagination):
    """DRF's own, for orderings by a unique field (ids), where it has no ties to count."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)


class KeysetCursor(Cursor):
    """Cursor pagination on the sort key (field, id), both in the same direction.

    A cursor holds the key of the row it starts after and the direction it reads in. The page is
    read with one ordered, limited query that seeks past that key (`tracker.keyset.seek`), so it
    costs the same at any depth and ties on the field are settled by the id. A QuerySet-like object
    that is not a QuerySet may read the page itself by offering `seek(moment, pk, below=...)`
    (`incidents.api.public_views.PublicPostPages` does).
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.field, descending = self.ordering[0].lstrip("-"), self.ordering[0].startswith("-")
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        if reverse:  # read backwards from the key, then put the page back in the list's order
            rows = queryset.order_by(*(name[1:] if name[0] == "-" else f"-{name}" for name in self.ordering))
        else:
            rows = queryset.order_by(*self.ordering)
        if self.cursor is not None:
            value, pk = self.cursor.position
            # Forwards on a newest-first list, or backwards on an oldest-first one: rows below the key.
            below = descending != reverse
            if hasattr(rows, "seek"):
                rows = rows.seek(value, pk, below=below)
            else:
                rows = keyset.seek(rows, field=self.field, value=value, pk=pk, below=below)
        results = list(rows[: self.page_size + 1])
        self.page = results[: self.page_size]
        more = len(results) > self.page_size
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, self.cursor is not None
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self):
        if not self.has_next:
            return None
        return self._link(self.page[-1] if self.page else None, reverse=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        return self._link(self.page[0] if self.page else None, reverse=True)

    def _link(self, row, *, reverse: bool) -> str:
        # An empty page (its rows were deleted since the link was made) links on from where it stood.
        value, pk = self._key(row) if row is not None else self.cursor.position
        return replace_query_param(self.base_url, self.cursor_query_param, cursor_token(value, pk, reverse=reverse))

    def _key(self, row) -> tuple:
        if isinstance(row, dict):
            return row[self.field], row["id"]
        return getattr(row, self.field), row.pk

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode("ascii"))
            reverse = tokens.get("r", ["0"])[0] == "1"
            pk, text = tokens["p"][0].split("|", 1)
            return Position(offset=0, reverse=reverse, position=(self.parse_value(text), keyset.parse_pk(pk)))
        except (KeyError, TypeError, ValueError, UnicodeError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None

    def parse_value(self, text: str):
        """The ordering field's value as the cursor holds it: here a time with its offset."""
        return keyset.parse_moment(text)


def cursor_token(value, pk: int, *, reverse: bool = False) -> str:
    """The `cursor` parameter of the page that starts after the row whose key is (value, pk)."""
    text = value.isoformat() if isinstance(value, datetime) else value
    tokens = {"r": "1", "p": f"{pk}|{text}"} if reverse else {"p": f"{pk}|{text}"}
    return b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")


class IncidentCursor(KeysetCursor):
    # incident_desk_list / incident_desk_status / incident_desk_category / incident_desk_assignee
    ordering = ("-reported_at", "-id")


class FollowUpCursor(KeysetCursor):
    # followup_history: an incident's history, oldest first.
    ordering = ("created_at", "id")
    page_size = 50


class PostCursor(KeysetCursor):
    # post_desk_list / post_by_author
    ordering = ("-created_at", "-id")


class PublicPostCursor(KeysetCursor):
    # post_timeline / post_timeline_category / post_city_timeline
    ordering = ("-published_at", "-id")


class NameCursor(KeysetCursor):
    # Small tables (precincts, categories): by name, the way the public pages list them.
    # Two precincts may share a name: the id settles their order.
    ordering = ("name", "id")

    def parse_value(self, text: str):
        if "\x00" in text or len(text) > 1000:  # no name has them (and PostgreSQL takes no NUL in text)
            raise ValueError(text[:20])
        return text


class MembershipCursor(Cursor):
    # membership_one_per_user_precinct; a precinct's staff in the order they joined.
    ordering = ("id",)
