"""The issue's calibration pages, served by the benchmark's server beside the application.

The targets are ratios calibrated on another machine: a hand-written page of
20 posts (raw SQL, Django template) served 0.12× the trivial view; the same
page from Redis after one small query 0.42×; a 304 after one small query
0.60×. These views are those three pages, so that each run measures what
the calibration ratios are on this machine, with this middleware, in the
same run as the application's pages.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response

POSTS = """
SELECT p.id, p.kind, p.body, p.status, p.published_at, p.retracted_at, p.retraction_reason, c.name, i.reference
FROM incidents_post p
LEFT JOIN incidents_category c ON c.id = p.category_id
LEFT JOIN incidents_incident i ON i.id = p.incident_id
WHERE p.precinct_id = %s AND p.status IN ('published', 'retracted')
ORDER BY p.published_at DESC, p.id DESC
LIMIT 20
"""
COLUMNS = (
    "id",
    "kind",
    "body",
    "status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "category",
    "reference",
)
MARKER = "SELECT public_changed_at FROM precincts_precinct WHERE id = %s"


def _marker(precinct_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(MARKER, [precinct_id])
        row = cursor.fetchone()
    return row[0].isoformat() if row else ""


def _page(request, precinct_id: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(POSTS, [precinct_id])
        posts = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    return render(request, "bench/calibration.html", {"posts": posts})


def page(request, precinct_id: int):
    """A hand-written page of 20 posts: raw SQL and a Django template."""
    return _page(request, precinct_id)


def cached(request, precinct_id: int):
    """The same page from the cache (Redis, shared by the workers) after one small query."""
    key = f"bench-calibration:{precinct_id}:{_marker(precinct_id)}"
    content = cache.get(key)
    if content is None:
        content = _page(request, precinct_id).content
        cache.set(key, content, 300)
    return HttpResponse(content)


def conditional(request, precinct_id: int):
    """A 304 after one small query, when the client has the page's current ETag."""
    etag = '"' + hashlib.sha256(f"{precinct_id}:{_marker(precinct_id)}".encode()).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = _page(request, precinct_id)
    response["ETag"] = etag
    return response
