"""Every list's cursor holds the whole sort key, (time or name, id): rows that share a time are
listed once each, in order, through the `next` links and back through the `previous` links."""

from base64 import b64encode
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from incidents.models import FollowUp, Post
from tests.api.conftest import assert_error, token_client
from tests.factories import FollowUpFactory, PrecinctFactory
from tests.public.helpers import bulk_posts

pytestmark = pytest.mark.django_db


def walk(client, url: str, key: str = "id") -> tuple[list, list]:
    """The rows through the `next` links, then back through the `previous` links from the last page."""
    pages = []
    while url:
        body = client.get(url).json()
        pages.append(body)
        url = body["next"]
    forward = [row[key] for page in pages for row in page["results"]]
    backward, url = [row[key] for row in pages[-1]["results"]], pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        backward = [row[key] for row in body["results"]] + backward
        url = body["previous"]
    return forward, backward


@pytest.fixture
def tied_posts(officer, precinct_a, precinct_b, category):
    """Precinct A: 3 posts a minute apart, then 7 at one moment, then 3 more; B: 4 at that moment."""
    moment = timezone.now() - timedelta(hours=1)
    made = bulk_posts(precinct=precinct_a, author=officer, count=3, start=moment - timedelta(minutes=5))
    made += bulk_posts(precinct=precinct_a, author=officer, count=7, start=moment, step=timedelta(0))
    made += bulk_posts(precinct=precinct_b, author=officer, count=4, start=moment, step=timedelta(0))
    made += bulk_posts(precinct=precinct_a, author=officer, count=3, start=moment + timedelta(minutes=5))
    return made


def newest_first(posts) -> list[int]:
    return list(posts.order_by("-published_at", "-id").values_list("id", flat=True))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 20])
def test_a_precincts_timeline_pages_through_shared_times_both_ways(anon, tied_posts, precinct_a, size):
    forward, backward = walk(anon, f"/api/v1/precincts/precinct-a/posts/?page_size={size}")

    assert forward == backward == newest_first(Post.objects.filter(precinct=precinct_a))
    assert len(forward) == 13


@pytest.mark.parametrize("size", [1, 3, 6])
def test_the_city_timeline_pages_through_shared_times_both_ways(anon, tied_posts, size):
    forward, backward = walk(anon, f"/api/v1/public-posts/?page_size={size}")

    assert forward == backward == newest_first(Post.objects.all())
    assert len(forward) == 17


def test_a_previous_link_from_the_middle_of_a_tie_gives_the_page_before_it(anon, tied_posts, precinct_a):
    first = anon.get("/api/v1/precincts/precinct-a/posts/?page_size=4").json()
    second = anon.get(first["next"]).json()
    back = anon.get(second["previous"]).json()

    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]
    assert back["previous"] is None, "the first page has nothing before it"
    assert back["next"] == first["next"]


def test_an_incidents_history_pages_oldest_first_through_shared_times(as_officer, world):
    incident = world.incident
    moment = timezone.now()
    FollowUpFactory.create_batch(6, incident=incident, author=world.officer, created_at=moment)
    FollowUpFactory.create_batch(3, incident=incident, author=world.officer, created_at=moment + timedelta(seconds=1))
    history = FollowUp.objects.filter(incident=incident).order_by("created_at", "id")
    expected = list(history.values_list("id", flat=True))

    for size in (1, 2, 4):
        forward, backward = walk(as_officer, f"/api/v1/incidents/{incident.reference}/followups/?page_size={size}")
        assert forward == backward == expected


def test_precincts_that_share_a_name_are_each_listed_once(anon):
    for n in range(5):
        PrecinctFactory(name="Harbor", slug=f"harbor-{n}")
    PrecinctFactory(name="Airport", slug="airport")

    forward, backward = walk(anon, "/api/v1/precincts/?page_size=2", key="slug")

    assert forward == backward == ["airport", *(f"harbor-{n}" for n in range(5))]


@pytest.mark.parametrize("name", ["Harbor\x00", "H" * 1001])
def test_a_name_cursor_no_precinct_could_have_made_is_a_404(anon, name):
    assert_error(anon.get("/api/v1/precincts/", {"cursor": cursor(p=f"5|{name}")}), 404)
    assert_error(anon.get("/api/v1/categories/", {"cursor": cursor(p=f"5|{name}")}), 404)


def cursor(**tokens) -> str:
    return b64encode(urlencode(tokens).encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "%%%",
        cursor(p="2026-01-01T00:00:00+00:00"),  # a time without an id (DRF's own cursor)
        cursor(o="3", p="2026-01-01 00:00:00+00:00"),
        cursor(p="0|2026-01-01T00:00:00+00:00"),
        cursor(p=f"{2**63}|2026-01-01T00:00:00+00:00"),
        cursor(p="12|2026-01-01T00:00:00"),  # no offset: ambiguous
        cursor(p="12|not a time"),
        cursor(p="twelve|2026-01-01T00:00:00+00:00"),
        cursor(r="1"),
    ],
)
def test_a_cursor_it_did_not_make_is_a_404_in_the_error_format(anon, as_officer, tied_posts, value):
    assert_error(anon.get("/api/v1/precincts/precinct-a/posts/", {"cursor": value}), 404)
    assert_error(anon.get("/api/v1/public-posts/", {"cursor": value}), 404)
    assert_error(as_officer.get("/api/v1/incidents/", {"cursor": value}), 404)


def test_a_cursor_from_another_time_zone_reads_the_same_rows(anon, tied_posts):
    first = anon.get("/api/v1/public-posts/?page_size=5").json()
    last = Post.objects.get(pk=first["results"][-1]["id"])
    shifted = last.published_at.astimezone(timezone.get_fixed_timezone(-300)).isoformat()

    again = anon.get("/api/v1/public-posts/", {"page_size": 5, "cursor": cursor(p=f"{last.pk}|{shifted}")}).json()

    assert again["results"] == anon.get(first["next"]).json()["results"]


def test_the_staff_lists_of_one_precinct_page_both_ways(officer, precinct_a, category, tied_posts):
    Post.objects.filter(precinct=precinct_a).update(created_at=timezone.now() - timedelta(hours=2))
    client = token_client(officer)

    forward, backward = walk(client, "/api/v1/posts/?page_size=3")

    assert (
        forward
        == backward
        == list(Post.objects.filter(precinct=precinct_a).order_by("-created_at", "-id").values_list("id", flat=True))
    )
