"""Public pages stay fast and fresh: a fixed, small number of queries whatever the data size,
conditional requests answered with 304, and no stale page after a post is published or withdrawn."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

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
from tracker.keyset import encode_cursor

pytestmark = pytest.mark.django_db

MAX_QUERIES = 5


def count_queries(url: str) -> tuple[int, int]:
    """(queries, status) of a cold request: nothing cached, a fresh anonymous client."""
    cache.clear()
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


@pytest.fixture
def world(officer, supervisor, incident, frozen_minute):
    post = publish(officer, supervisor, resolve(officer, incident, public_note="Officers spoke with the host."))
    return SimpleNamespace(post=post, incident=incident)


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


def test_it_answers_a_conditional_request_without_rendering(client, world):
    etag = client.get("/precincts/precinct-a/")["ETag"]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/precincts/precinct-a/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(queries) <= 1, [q["sql"] for q in queries]


FRESH_AFTER_PUBLISHING = [
    "home",
    "timeline",
    "timeline, category",
    "report",
    "precinct RSS",
    "precinct Atom",
    "city Atom",
    "city RSS",
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
        assert f"/posts/{new.pk}/" in content, name


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
        assert "Withdrawn" in content, f"{name} is stale"
        assert "It named the wrong street." in content, name


def test_it_shows_a_new_public_note_on_the_report_at_once(client, officer, world):
    url = f"/reports/{world.incident.reference}/"
    etag = client.get(url)["ETag"]
    follow_up(officer, world.incident, public_note="We will check again on Friday night.")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert "We will check again on Friday night." in client.get(url).content.decode()


def test_it_keeps_another_precincts_cached_pages(client, officer, supervisor, outsider, precinct_b, category, world):
    """Publishing in precinct A does not throw away precinct B's pages."""
    etag = client.get("/precincts/precinct-b/")["ETag"]
    publish_update(officer, supervisor, world.incident, "Officers came back at midnight and it was quiet.")
    assert client.get("/precincts/precinct-b/", HTTP_IF_NONE_MATCH=etag).status_code == 304
