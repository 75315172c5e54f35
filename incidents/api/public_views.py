"""The public, read-only API: what the public pages show, nothing more.

Reads go through `incidents.public` (public fields only, active precincts only,
published or withdrawn posts only); anything else answers 404.
"""

import functools
from dataclasses import dataclass, replace
from datetime import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from incidents import public
from incidents.api.base import ApiView
from incidents.api.pagination import NameCursor, PublicPostCursor
from incidents.api.public_serializers import (
    PUBLIC_POST_VALUES,
    PublicCategorySerializer,
    PublicPostSerializer,
    PublicPrecinctSerializer,
    PublicReportSerializer,
    public_post_list_data,
)
from incidents.models import Category, Post
from tracker import keyset
from tracker.prepared import NO_MOMENT, PreparedRead

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The precinct's slug.")


class PublicPostFilterSerializer(serializers.Serializer):
    category = serializers.SlugField(required=False, help_text="Only posts in this category (its slug).")


class PublicView(ApiView):
    permission_classes = [AllowAny]
    api_tag = "public"


class CategoryListView(PublicView):
    serializer_class = PublicCategorySerializer
    pagination_class = NameCursor
    error_statuses = {"GET": (404,)}

    @extend_schema(summary="Report categories", responses=PublicCategorySerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(public.public_categories())
        return self.get_paginated_response(PublicCategorySerializer(page, many=True).data)


class PrecinctListView(PublicView):
    serializer_class = PublicPrecinctSerializer
    pagination_class = NameCursor
    error_statuses = {"GET": (404,)}

    @extend_schema(summary="Precincts", responses=PublicPrecinctSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(public.public_precincts())
        return self.get_paginated_response(PublicPrecinctSerializer(page, many=True).data)


class PrecinctDetailView(PublicView):
    serializer_class = PublicPrecinctSerializer
    error_statuses = {"GET": (404,)}

    @extend_schema(summary="One precinct", parameters=[SLUG])
    def get(self, request, slug):
        return Response(PublicPrecinctSerializer(public.public_precinct(slug)).data)


# The lists' querysets are made once per process and cloned per request:
# making them (filters, joins, `.values()`) costs about as much as the query.
@functools.cache
def _public_post_rows():
    """Public posts (from `public.public_posts`) as plain rows of the fields `PublicPostSerializer` shows."""
    return public.public_posts().values(*PUBLIC_POST_VALUES)


@dataclass(frozen=True)
class PublicPostPages:
    """The public posts a list pages through, read with compiled queries (`tracker.prepared`).

    It offers what `KeysetCursor.paginate_queryset` asks of a QuerySet, and nothing else:
    `order_by(*ordering)`, `seek()` past a cursor's key (published_at, id), and one slice, which runs
    the read. Each shape of page (its filters, order, direction and size) is compiled once per
    connection; the values (precinct, category, key) change per request. Rows are dicts of
    PUBLIC_POST_VALUES.
    """

    precinct_id: int | None = None
    category_id: int | None = None
    ordering: tuple[str, ...] = ()
    key: tuple[datetime, int] | None = None  # (published_at, id) to read past
    below: bool = True  # rows below the key, or above it

    def order_by(self, *ordering):
        return replace(self, ordering=ordering)

    def seek(self, moment: datetime, pk: int, *, below: bool):
        return replace(self, key=(moment, pk), below=below)

    def __getitem__(self, page: slice) -> list[dict]:
        offset, limit = page.start or 0, page.stop - (page.start or 0)
        shape = (self.precinct_id is not None, self.category_id is not None, self.ordering)
        read = _post_page_read(*shape, self.below if self.key else None, offset, limit)
        values = [v for v in (self.precinct_id, self.category_id) if v is not None]
        if self.key:
            values += self.key
        return [dict(zip(PUBLIC_POST_VALUES, row, strict=True)) for row in read(*values)]


@functools.lru_cache(maxsize=256)
def _post_page_read(by_precinct, by_category, ordering, below, offset, limit) -> PreparedRead:
    """`below`: None for no key, else whether the rows are below it or above it."""

    def build(*values):
        values = iter(values)
        rows = _public_post_rows()
        if by_precinct:
            rows = rows.filter(precinct_id=next(values))
        if by_category:
            rows = rows.filter(category_id=next(values))
        if below is not None:
            rows = keyset.seek(rows, field="published_at", value=next(values), pk=next(values), below=below)
        return rows.order_by(*ordering).values_list(*PUBLIC_POST_VALUES)[offset : offset + limit]

    keyed = below is not None
    wanted = ((-1, by_precinct), (-2, by_category), (NO_MOMENT, keyed), (-3, keyed))
    return PreparedRead(Post, build, *(sample for sample, used in wanted if used))


def _posts_page(view, request, precinct_id: int | None = None):
    """A page of public posts, as `PublicPostSerializer` shows them, read as plain rows (no model instances)."""
    posts = PublicPostPages(precinct_id=precinct_id)
    if "category" in request.query_params:  # without it there is nothing to validate
        filters = PublicPostFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if slug := filters.validated_data.get("category"):
            category_id = Category.objects.filter(slug=slug).values_list("pk", flat=True).first()
            # An unknown category lists nothing: no post has category id 0.
            posts = replace(posts, category_id=category_id or 0)
    page = view.paginate_queryset(posts)
    return view.get_paginated_response(public_post_list_data(page))


class PrecinctPostListView(PublicView):
    serializer_class = PublicPostSerializer
    pagination_class = PublicPostCursor
    error_statuses = {"GET": (400, 404)}

    @extend_schema(
        summary="A precinct's timeline: its published posts, newest first",
        description="Withdrawn posts stay listed, marked withdrawn with the public reason.",
        parameters=[SLUG, PublicPostFilterSerializer],
        responses=PublicPostSerializer(many=True),
    )
    def get(self, request, slug):
        # Only its id (the posts' rows carry the precinct's public fields), read once per request:
        # the page's freshness marker has usually read it already.
        precinct = public.request_precinct_row(request._request, slug)
        return _posts_page(self, request, precinct.pk)


class PublicPostListView(PublicView):
    serializer_class = PublicPostSerializer
    pagination_class = PublicPostCursor
    error_statuses = {"GET": (400, 404)}

    @extend_schema(
        summary="Published posts of every precinct, newest first",
        parameters=[PublicPostFilterSerializer],
        responses=PublicPostSerializer(many=True),
    )
    def get(self, request):
        return _posts_page(self, request)


class PublicPostDetailView(PublicView):
    serializer_class = PublicPostSerializer
    error_statuses = {"GET": (404,)}

    @extend_schema(
        summary="One published post",
        description="Posts that are not published (drafts, in review, rejected) answer 404.",
        parameters=[OpenApiParameter("post_id", int, OpenApiParameter.PATH, description="The post's id.")],
    )
    def get(self, request, post_id):
        return Response(PublicPostSerializer(public.public_post(post_id)).data)


class ReportDetailView(PublicView):
    serializer_class = PublicReportSerializer
    error_statuses = {"GET": (404,)}

    @extend_schema(
        summary="A report's public status, by its reference",
        description="Public fields only, with dated public notes and the published posts about it.",
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH, description="The reference code.")],
    )
    def get(self, request, reference):
        return Response(PublicReportSerializer(public.public_report(reference)).data)
