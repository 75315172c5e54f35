"""Conditional and cached responses for public pages, feeds and public API lists.

A page depends on a few *scopes*: the whole site (precinct and category
names), and one of a precinct's public record, one report, one post, or the
city's. Each scope has a *marker* that changes whenever something the page
shows changes. The page's ETag is a digest of its markers, the current minute
(pages say "5 minutes ago") and the URL. A matching If-None-Match gets a 304
without rendering; otherwise the body is taken from the page cache when the
ETag it was stored with still matches, or rendered and stored.

Where the markers live:

- **In the shared cache** (``PUBLIC_MARKERS_IN_CACHE``, on when ``CACHE_URL``
  names Redis): a marker is a token, "<unix time>-<random>", kept in the cache.
  Whatever changes a scope writes it a new token once its transaction has
  committed (``touch``), so the next request sees the change at once. A 304
  then costs one cache read and no database query; a page from the cache one
  read of tokens and page together (one MGET). A missing token (first use,
  eviction) is rebuilt from the database, where the scope's marker also lives.
  Why this is safe: a request renders only after it has read its tokens, and a
  token is replaced only after the change has committed, so a body stored under
  a token never predates a change that token already covers.
  A conditional request (If-None-Match) is answered from tokens the process
  read within the last ``PUBLIC_TOKEN_SECONDS`` (1 by default): a surge of
  revalidations then costs no round trip at all. So a change shows at once to
  every request without a validator (those read the tokens with the page, in
  the same MGET), at once in the process that made it, and within that second
  to a revalidating client elsewhere. 0 makes every request read the cache.
- **In the database** (a per-process cache, as in ``make demo``): every
  request reads the markers from the database (one small query per scope).

If the cache were ever to lose a ``touch`` (Redis down at that instant), the
minute in the ETag bounds how long a stale page can live: at most about a
minute, plus the minute a browser may keep it (``max-age``).
"""

import functools
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

MAX_AGE = 60
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
# Tokens outlive many page generations; an expired one is rebuilt from the database.
TOKEN_TIMEOUT = 24 * 3600
PAGE_TIMEOUT = MAX_AGE + 5
KEY_PREFIX = "pub:"


@dataclass(frozen=True)
class Scope:
    """What a page depends on: ``name`` (e.g. "precinct:midtown-north") and how to read its marker
    from the database: when it last changed, or None if nothing dates it. ``marker`` raises
    Http404 when the thing is not public, so an unknown precinct or report is a 404 here."""

    name: str
    marker: Callable[[], datetime | None]


SITE = Scope("site", lambda: None)


def touch(*names: str) -> None:
    """Give these scopes new tokens once the current transaction commits (at once outside one)."""
    if not settings.PUBLIC_MARKERS_IN_CACHE or not names:
        return
    keys = [_token_key(name) for name in names]

    def write():
        now = int(time.time())
        tokens = {key: f"{now}-{secrets.token_hex(4)}" for key in keys}
        cache.set_many(tokens, TOKEN_TIMEOUT)
        _hold(tokens)  # this process sees its own change at once

    transaction.on_commit(write)


def public_page(request, *, scopes: Sequence[Scope], render: Callable[[], HttpResponse]) -> HttpResponse:
    minute = int(timezone.now().timestamp() // 60)
    path = request.get_full_path()
    page_key = f"{KEY_PREFIX}page:{_digest(minute, path)}"
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    scopes = (SITE, *scopes)

    stored = None
    if settings.PUBLIC_MARKERS_IN_CACHE:
        keys = [_token_key(scope.name) for scope in scopes]
        # A revalidation may use tokens read moments ago; anything else reads them with the page.
        held = _held(keys) if if_none_match else {}
        wanted = [key for key in keys if key not in held]
        if not if_none_match and settings.PUBLIC_PAGE_CACHE:
            wanted.append(page_key)
        found = cache.get_many(wanted) if wanted else {}
        tokens = [
            held.get(key) or found.get(key) or _rebuild(key, scope) for key, scope in zip(keys, scopes, strict=True)
        ]
        if wanted:
            _hold({key: token for key, token in zip(keys, tokens, strict=True) if key not in held})
        stored = found.get(page_key)
        changed = max(int(token.partition("-")[0]) for token in tokens) or None
    else:
        markers = [scope.marker() for scope in scopes]
        tokens = [marker.timestamp() if marker else 0 for marker in markers]
        changed = int(max(tokens)) or None

    etag = f'"{_digest(tokens, minute, path)}"'
    if if_none_match is not None:
        if _matches(if_none_match, etag):
            return _finish(HttpResponseNotModified(), etag, changed)
    elif changed and request.META.get("HTTP_IF_MODIFIED_SINCE"):
        not_modified = get_conditional_response(request, last_modified=changed)
        if not_modified is not None:
            return _finish(not_modified, etag, changed)

    if settings.PUBLIC_PAGE_CACHE and stored is None and not settings.PUBLIC_MARKERS_IN_CACHE:
        stored = cache.get(page_key)
    if stored is not None and stored[0] == etag:
        response = HttpResponse(stored[1], content_type=stored[2])
    else:
        response = render()
        if hasattr(response, "render"):
            response = response.render()
        # One body instead of many written chunks (feeds write one per element).
        response.content = response.content
        if response.status_code != 200:
            return response  # errors and redirects: neither cached nor validated
        if settings.PUBLIC_PAGE_CACHE:
            cache.set(page_key, (etag, response.content, response["Content-Type"]), PAGE_TIMEOUT)
    return _finish(response, etag, changed)


def public_api(view, scopes: Callable[..., Sequence[Scope]]):
    """Wrap a public API list view (from ``as_view()``) in `public_page`, for JSON clients.
    ``scopes(request, **kwargs)`` gives the page's scopes.

    Cached JSON is answered before the API framework's throttles: a cached page
    costs less than the throttle's own bookkeeping. The API speaks JSON only;
    should an HTML rendering (which would show the signed-in user) ever be
    enabled, it bypasses this. Errors are never cached; an unknown precinct is
    left to the view, which answers in the API's error format.
    """

    @functools.wraps(view)
    def wrapped(request, **kwargs):
        wants_html = "text/html" in request.META.get("HTTP_ACCEPT", "") or request.GET.get("format", "json") != "json"
        if request.method not in ("GET", "HEAD") or wants_html:
            return view(request, **kwargs)
        try:
            return public_page(request, scopes=scopes(request, **kwargs), render=lambda: view(request, **kwargs))
        except Http404:
            return view(request, **kwargs)

    return wrapped


def _token_key(name: str) -> str:
    return f"{KEY_PREFIX}token:{name}"


# Tokens this process read or wrote: {the cache's own key: (when, token)}. The cache's key includes its
# prefix and version, so two caches (or two test runs) never share an entry.
_tokens_held: dict[str, tuple[float, str]] = {}
_clock = time.monotonic


def _held(keys: Sequence[str]) -> dict[str, str]:
    """The tokens among `keys` this process read less than PUBLIC_TOKEN_SECONDS ago."""
    seconds = settings.PUBLIC_TOKEN_SECONDS
    if seconds <= 0:
        return {}
    now = _clock()
    held = {}
    for key in keys:
        entry = _tokens_held.get(cache.make_key(key))
        if entry is not None and now - entry[0] < seconds:
            held[key] = entry[1]
    return held


def _hold(tokens: dict[str, str]) -> None:
    now = _clock()
    if len(_tokens_held) > 10_000:  # a crawler walking every report: start again rather than grow
        _tokens_held.clear()
    for key, token in tokens.items():
        _tokens_held[cache.make_key(key)] = (now, token)


def forget_held_tokens() -> None:
    """Read every token from the cache on next use (tests)."""
    _tokens_held.clear()


def _rebuild(key: str, scope: Scope) -> str:
    """A token for a scope the cache has no token for, dated from the database (404 if not public)."""
    marker = scope.marker()
    token = f"{int(marker.timestamp()) if marker else 0}-{secrets.token_hex(4)}"
    if cache.add(key, token, TOKEN_TIMEOUT):
        return token
    # Someone else set one first (a request, or a change that just committed): theirs is current.
    return cache.get(key) or token


def _digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == etag for candidate in if_none_match.split(","))


def _finish(response, etag, changed):
    response["ETag"] = etag
    if changed:
        response["Last-Modified"] = http_date(changed)
    response["Cache-Control"] = CACHE_CONTROL
    return response
