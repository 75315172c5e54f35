"""Conditional and cached responses for public pages.

A page's ETag comes from what it shows (the precinct's public marker, the
report's last change, the query string) plus the current minute, because
pages say "5 minutes ago". A matching If-None-Match gets a 304 without
rendering; otherwise the rendered page is taken from the cache under the
same key. Publishing or withdrawing a post moves the precinct's marker, so
the key changes and nobody sees a stale page.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

MAX_AGE = 60


def conditional_page(
    request, *, parts: tuple, last_modified: datetime | None, render: Callable[[], HttpResponse]
) -> HttpResponse:
    minute = int(timezone.now().timestamp() // 60)
    digest = hashlib.sha256(repr((parts, minute, request.get_full_path())).encode()).hexdigest()[:32]
    etag = f'"{digest}"'
    last_modified_ts = int(last_modified.timestamp()) if last_modified else None

    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified_ts)
    if not_modified is not None:
        return _finish(not_modified, etag, last_modified_ts)

    key = f"page:{digest}"
    cached = cache.get(key) if settings.PUBLIC_PAGE_CACHE else None
    if cached is not None:
        content, content_type, status = cached
        response = HttpResponse(content, content_type=content_type, status=status)
    else:
        response = render()
        if hasattr(response, "render"):
            response = response.render()
        # One body instead of many written chunks (feeds write one per element).
        response.content = response.content
        if response.status_code == 200 and settings.PUBLIC_PAGE_CACHE:
            cache.set(key, (response.content, response["Content-Type"], 200), MAX_AGE + 5)
    return _finish(response, etag, last_modified_ts)


def _finish(response, etag, last_modified_ts):
    response["ETag"] = etag
    if last_modified_ts is not None:
        response["Last-Modified"] = http_date(last_modified_ts)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
