"""Cursor pagination for every list: stable under inserts, no OFFSET, and each
ordering is served by an existing index (see the models' `Meta.indexes`)."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)


class IncidentCursor(Cursor):
    # incident_desk_list / incident_desk_status / incident_desk_category / incident_desk_assignee
    ordering = ("-reported_at", "-id")


class FollowUpCursor(Cursor):
    # followup_history: an incident's history, oldest first.
    ordering = ("created_at", "id")
    page_size = 50


class PostCursor(Cursor):
    # post_desk_list / post_by_author
    ordering = ("-created_at", "-id")


class PublicPostCursor(Cursor):
    # post_timeline / post_timeline_category / post_city_timeline
    ordering = ("-published_at", "-id")


class NameCursor(Cursor):
    # Small tables (precincts, categories): by name, the way the public pages list them.
    ordering = ("name", "id")


class MembershipCursor(Cursor):
    # membership_one_per_user_precinct; a precinct's staff in the order they joined.
    ordering = ("id",)
