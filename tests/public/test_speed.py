"""Public pages stay fast and fresh: a fixed, small number of queries whatever the data size,
conditional requests answered with 304, and no stale page after a post is published or withdrawn."""

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from incidents import public
from incidents.models import Post
from tests.public.helpers import (
    bulk_incidents,
    bulk_posts,
    follow_up,
    publish,
    publish_update,
    resolve,
    retract,
)
from tests.support import require_redis
from tracker import conditional
from tracker.keyset import encode_cursor

pytestmark = pytest.mark.django_db

MAX_QUERIES = 5


def count_queries(url: str) -> tuple[int, int]:
    """(queries, status) of a cold request: nothing cached, a fresh anonymous client."""
    cache.clear()
    public.forget_category_choices()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200, (url, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(queries), response.status_code


def pages(precinct, category, incident, post, deep_post) -> dict[str, str]:
    deep = encode_cursor(deep_post.published_at, deep_post.pk)
    slug = precinct.slug
    return {
        "home": "/",
        "timeline": f"/precincts/{slug}/",
        "timeline, deep page": f"/precincts/{slug}/?before={deep}",
        "timeline, category": f"/precincts/{slug}/?category={category.slug}",
        "timeline, category, deep page": f"/precincts/{slug}/?category={category.slug}&before={deep}",
        "stats": f"/precincts/{slug}/stats/",
        "permalink": f"/posts/{post.pk}/",
        "report": f"/reports/{incident.reference}/",
        "precinct RSS": f"/precincts/{slug}/feed.rss",
        "precinct Atom": f"/precincts/{slug}/feed.atom",
        "city Atom": "/feed.atom",
        "city RSS": "/feed.rss",
        "sitemap index": "/sitemap.xml",
        "sitemap of precincts": "/sitemap-precincts.xml",
        "sitemap of posts": "/sitemap-posts.xml",
        "robots.txt": "/robots.txt",
    }


def test_it_runs_the_same_few_queries_on_every_public_page_with_10_and_10000_posts(
    officer, supervisor, precinct_a, precinct_b, category, incident
):
    # Small: one report published through the services, and 9 more posts.
    post = publish(officer, supervisor, resolve(officer, incident, public_note="Officers spoke with the host."))
    follow_up(officer, incident, public_note="We checked again on Saturday.")
    reports = bulk_incidents(precinct=precinct_a, category=category, author=officer, count=5)
    now = timezone.now()
    bulk_posts(
        precinct=precinct_a,
        author=officer,
        count=9,
        categories=[category],
        incidents=[incident, *reports],
        start=now - timedelta(hours=2),
    )
    small_posts = list(Post.objects.filter(precinct=precinct_a).order_by("-published_at", "-id"))
    assert Post.objects.public().count() == 10
    small = {
        name: count_queries(url)[0]
        for name, url in pages(precinct_a, category, incident, post, small_posts[5]).items()
    }

    # Large: 10,000 published posts over a year, in both precincts, and many more reports.
    reports += bulk_incidents(precinct=precinct_a, category=category, author=officer, count=500)
    bulk_posts(
        precinct=precinct_a,
        author=officer,
        count=8_990,
        categories=[category],
        incidents=[incident, *reports],
        start=now - timedelta(days=365),
        step=timedelta(minutes=50),
    )
    bulk_posts(precinct=precinct_b, author=officer, count=1_000, categories=[category], start=now - timedelta(days=90))
    assert Post.objects.public().count() == 10_000
    deep_post = Post.objects.filter(precinct=precinct_a).order_by("-published_at", "-id")[7_000]
    large = {
        name: count_queries(url)[0] for name, url in pages(precinct_a, category, incident, post, deep_post).items()
    }

    table = "\n".join(f"{name:32} {small[name]:>3} {large[name]:>3}" for name in small)
    assert small == large, f"queries differ with the data size (page, 10 posts, 10,000 posts):\n{table}"
    assert max(large.values()) <= MAX_QUERIES, f"more than {MAX_QUERIES} queries:\n{table}"


# --- conditional requests --------------------------------------------------------------------


@pytest.fixture
def frozen_minute(monkeypatch):
    """ETags include the current minute; hold it still so a test never straddles two minutes."""
    moment = timezone.now()
    monkeypatch.setattr("tracker.conditional.timezone", SimpleNamespace(now=lambda: moment))
    return moment


@pytest.fixture(params=["database", "cache"])
def markers(request, settings):
    """Run with the pages' markers read from the database, and kept in a shared cache (Redis)."""
    if request.param == "cache":
        require_redis()
        prefix = f"test-{uuid4().hex}"
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/5",
                "KEY_PREFIX": prefix,
            }
        }
        settings.PUBLIC_MARKERS_IN_CACHE = True
        yield request.param
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    else:
        yield request.param


@pytest.fixture
def world(officer, supervisor, incident, frozen_minute, markers):
    post = publish(officer, supervisor, resolve(officer, incident, public_note="Officers spoke with the host."))
    return SimpleNamespace(post=post, incident=incident, markers=markers)


CONDITIONAL_PAGES = {
    "home": lambda w: "/",
    "timeline": lambda w: "/precincts/precinct-a/",
    "timeline, category": lambda w: "/precincts/precinct-a/?category=noise",
    "stats": lambda w: "/precincts/precinct-a/stats/",
    "permalink": lambda w: f"/posts/{w.post.pk}/",
    "report": lambda w: f"/reports/{w.incident.reference}/",
    "precinct RSS": lambda w: "/precincts/precinct-a/feed.rss",
    "precinct Atom": lambda w: "/precincts/precinct-a/feed.atom",
    "city Atom": lambda w: "/feed.atom",
    "city RSS": lambda w: "/feed.rss",
    "precinct API": lambda w: "/api/v1/precincts/precinct-a/posts/",
    "city API": lambda w: "/api/v1/public-posts/",
}
# The numbers change with reports, not only with posts: no honest Last-Modified to give.
WITHOUT_LAST_MODIFIED = {"stats"}


@pytest.mark.parametrize("name", CONDITIONAL_PAGES)
def test_it_answers_304_to_a_conditional_request_with_the_etag(client, world, name):
    url = CONDITIONAL_PAGES[name](world)
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("name", sorted(set(CONDITIONAL_PAGES) - WITHOUT_LAST_MODIFIED))
def test_it_answers_304_to_if_modified_since(client, world, name):
    url = CONDITIONAL_PAGES[name](world)
    first = client.get(url)
    last_modified = first["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date(int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()))
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


@pytest.mark.parametrize("name", CONDITIONAL_PAGES)
def test_it_answers_a_conditional_request_without_rendering(client, world, name):
    url = CONDITIONAL_PAGES[name](world)
    etag = client.get(url)["ETag"]
    if world.markers == "database":
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # One small query for the marker; none when the markers are in the shared cache.
    assert len(queries) <= (1 if world.markers == "database" else 0), [q["sql"] for q in queries]


@pytest.mark.parametrize("markers", ["cache"], indirect=True)
@pytest.mark.parametrize("name", CONDITIONAL_PAGES)
def test_it_answers_from_the_cache_without_a_query_when_the_markers_are_shared(client, world, name):
    url = CONDITIONAL_PAGES[name](world)
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_it_rebuilds_a_lost_marker_from_the_database(client, officer, supervisor, world):
    """A marker evicted from the cache (or never written) comes back from the database: never a stale page."""
    url = "/precincts/precinct-a/"
    etag = client.get(url)["ETag"]
    body = "Officers came back at midnight and the street was quiet."
    publish_update(officer, supervisor, world.incident, body)  # its after-commit touch never runs here
    cache.clear()
    conditional.forget_held_tokens()  # as in another process, or a second later
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert body in client.get(url).content.decode()


FRESH_AFTER_PUBLISHING = [
    "home",
    "timeline",
    "timeline, category",
    "report",
    "precinct RSS",
    "precinct Atom",
    "city Atom",
    "city RSS",
    "precinct API",
    "city API",
]


def test_it_shows_a_new_post_at_once_and_drops_the_old_etags(
    client, officer, supervisor, world, django_capture_on_commit_callbacks
):
    before = {name: client.get(CONDITIONAL_PAGES[name](world)) for name in FRESH_AFTER_PUBLISHING}
    for name, response in before.items():
        assert response.status_code == 200, name

    body = "Officers came back at midnight and the street was quiet."
    with django_capture_on_commit_callbacks(execute=True):
        new = publish_update(officer, supervisor, world.incident, body)

    for name in FRESH_AFTER_PUBLISHING:
        url = CONDITIONAL_PAGES[name](world)
        assert client.get(url, HTTP_IF_NONE_MATCH=before[name]["ETag"]).status_code == 200, name
        response = client.get(url)
        assert response["ETag"] != before[name]["ETag"], name
        content = response.content.decode()
        assert body in content, f"{name} is stale"
        assert (f'"id":{new.pk},' if "API" in name else f"/posts/{new.pk}/") in content, name


def test_it_shows_a_withdrawal_at_once_and_drops_the_old_etags(
    client, supervisor, world, django_capture_on_commit_callbacks
):
    names = [*FRESH_AFTER_PUBLISHING, "permalink"]
    before = {name: client.get(CONDITIONAL_PAGES[name](world)) for name in names}
    for name, response in before.items():
        assert response.status_code == 200, name
        assert "Withdrawn" not in response.content.decode(), name

    with django_capture_on_commit_callbacks(execute=True):
        retract(supervisor, world.post, reason="It named the wrong street.")

    for name in names:
        url = CONDITIONAL_PAGES[name](world)
        assert client.get(url, HTTP_IF_NONE_MATCH=before[name]["ETag"]).status_code == 200, name
        content = client.get(url).content.decode()
        assert ('"withdrawn":true' if "API" in name else "Withdrawn") in content, f"{name} is stale"
        assert "It named the wrong street." in content, name


def test_it_shows_a_new_public_note_on_the_report_at_once(client, officer, world, django_capture_on_commit_callbacks):
    url = f"/reports/{world.incident.reference}/"
    etag = client.get(url)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        follow_up(officer, world.incident, public_note="We will check again on Friday night.")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert "We will check again on Friday night." in client.get(url).content.decode()


def test_it_keeps_another_precincts_cached_pages(
    client, officer, supervisor, outsider, precinct_b, category, world, django_capture_on_commit_callbacks
):
    """Publishing in precinct A does not throw away precinct B's pages."""
    etag = client.get("/precincts/precinct-b/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        publish_update(officer, supervisor, world.incident, "Officers came back at midnight and it was quiet.")
    assert client.get("/precincts/precinct-b/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_api_answers_its_own_errors_and_never_caches_them(client, world):
    assert client.get("/api/v1/precincts/no-such-place/posts/").json()["detail"]
    assert client.get("/api/v1/precincts/no-such-place/posts/").status_code == 404
    bad = client.get("/api/v1/precincts/precinct-a/posts/?category=not%20a%20slug")
    assert bad.status_code == 400 and "category" in bad.json()["errors"]
    assert "ETag" not in bad and "public" not in bad.get("Cache-Control", "")
    good = client.get("/api/v1/precincts/precinct-a/posts/", HTTP_ACCEPT="application/json")
    assert good["Content-Type"].startswith("application/json") and good["ETag"]


def _changed_elsewhere(scope: str) -> None:
    """What another process's publish leaves in the shared cache: a new token (this process holds the old one)."""
    cache.set(conditional._token_key(scope), f"{int(time.time()) + 60}-elsewhere", conditional.TOKEN_TIMEOUT)


@pytest.mark.parametrize("markers", ["cache"], indirect=True)
def test_a_revalidation_sees_a_change_made_elsewhere_within_the_held_second(client, world, monkeypatch, settings):
    url = "/precincts/precinct-a/"
    etag = client.get(url)["ETag"]
    _changed_elsewhere("precinct:precinct-a")
    # Within PUBLIC_TOKEN_SECONDS a revalidation is answered from the tokens this process read…
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # …once they are older, from the cache: the change shows.
    start = conditional._clock()
    monkeypatch.setattr(conditional, "_clock", lambda: start + settings.PUBLIC_TOKEN_SECONDS)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize("markers", ["cache"], indirect=True)
def test_a_request_without_a_validator_sees_a_change_made_elsewhere_at_once(client, world):
    url = "/precincts/precinct-a/"
    etag = client.get(url)["ETag"]
    client.get(url, HTTP_IF_NONE_MATCH=etag)
    _changed_elsewhere("precinct:precinct-a")
    again = client.get(url)
    assert again.status_code == 200 and again["ETag"] != etag
    # It read the new token, so this process's revalidations have it too.
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize("markers", ["cache"], indirect=True)
def test_with_no_held_seconds_every_revalidation_reads_the_cache(client, world, settings):
    settings.PUBLIC_TOKEN_SECONDS = 0
    url = "/precincts/precinct-a/"
    etag = client.get(url)["ETag"]
    _changed_elsewhere("precinct:precinct-a")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
