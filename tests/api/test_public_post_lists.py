"""The public post lists build their rows without the serializer, and must answer
exactly what the serializer would: same fields, order, formats, cursors and errors."""

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle

from incidents import public
from incidents.api.public_serializers import PUBLIC_POST_VALUES, PublicPostSerializer, public_post_list_data
from incidents.api.public_views import PrecinctPostListView, PublicPostFilterSerializer, PublicPostListView
from incidents.models import Category, Post
from incidents.services import posts as post_services
from precincts.models import Membership
from tests.api.conftest import assert_error
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def serialized_page(view, request, posts):
    """A list page the plain way: the filter serializer, model instances, `PublicPostSerializer`."""
    filters = PublicPostFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    if slug := filters.validated_data.get("category"):
        category = Category.objects.filter(slug=slug).first()
        posts = posts.filter(category=category) if category else posts.none()
    return view.get_paginated_response(PublicPostSerializer(view.paginate_queryset(posts), many=True).data)


class SerializedPrecinctPosts(PrecinctPostListView):
    def get(self, request, slug):
        return serialized_page(self, request, public.public_posts().filter(precinct=public.public_precinct(slug)))


class SerializedCityPosts(PublicPostListView):
    def get(self, request):
        return serialized_page(self, request, public.public_posts())


@pytest.fixture
def posts(world, supervisor, precinct_b):
    """Every shape a public post comes in: a resolution, an update, a withdrawn update,
    an alert (no category, no report), two posts published at the same instant, another precinct's."""
    resolution = post_services.post_submit(acting_user=world.officer, post=world.draft)
    resolution = post_services.post_approve(acting_user=supervisor, post=resolution)
    withdrawn = post_services.post_draft_update(
        acting_user=world.officer, incident=world.incident, body="Officers left after a warning — « calme » now."
    )
    withdrawn = post_services.post_submit(acting_user=world.officer, post=withdrawn)
    withdrawn = post_services.post_approve(acting_user=supervisor, post=withdrawn)
    withdrawn = post_services.post_retract(acting_user=supervisor, post=withdrawn, reason="Posted twice.")
    other_supervisor = MembershipFactory(precinct=precinct_b, role=Membership.Role.SUPERVISOR).user
    elsewhere = post_services.post_create_alert(
        acting_user=other_supervisor, precinct=precinct_b, body="Bridge closed until noon.", publish_now=True
    )
    made = [resolution, world.published, withdrawn, world.urgent_alert, elsewhere]
    # Equal times: the cursors then need an offset, the paginator's hardest case.
    Post.objects.filter(pk__in=[resolution.pk, world.published.pk]).update(published_at=world.published.published_at)
    return {post.pk: post for post in made}


def test_it_builds_the_rows_the_serializer_would(posts):
    instances = public.public_posts().order_by("-published_at", "-id")
    rows = public.public_posts().order_by("-published_at", "-id").values(*PUBLIC_POST_VALUES)
    built = {}
    for zone in ("America/New_York", "UTC", "Asia/Kolkata"):
        with timezone.override(zone):
            expected = PublicPostSerializer(instances, many=True).data
            built[zone] = public_post_list_data(rows)
        assert [list(row.items()) for row in built[zone]] == [list(row.items()) for row in expected], zone
    assert {row["id"] for row in built["UTC"]} == set(posts)
    assert all(row["published_at"].endswith("Z") for row in built["UTC"])
    withdrawn = [row for row in built["UTC"] if row["withdrawn"]]
    assert [(row["withdrawn_reason"], bool(row["withdrawn_at"])) for row in withdrawn] == [("Posted twice.", True)]
    alerts = [row for row in built["UTC"] if row["kind"] == "alert"]
    assert len(alerts) == 2 and all(row["category"] is None and row["report"] is None for row in alerts)


def walk(view, url: str, **kwargs) -> list[tuple[int, bytes]]:
    """Every page of a list as sent: forwards through `next`, then back through `previous`."""
    factory = APIRequestFactory()
    answers = []
    for link in ("next", "previous"):
        for _ in range(50):
            response = view(factory.get(url), **kwargs).render()
            answers.append((response.status_code, response.content))
            following = response.data.get(link) if response.status_code == 200 else None
            if not following:
                break
            url = following
    return answers


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?page_size=1",
        "?page_size=2",
        "?page_size=1000",
        "?category=noise&page_size=1",
        "?category=parking",
        "?category=",
        "?category=not%20a%20slug",
        "?cursor=garbage",
    ],
)
def test_it_answers_byte_for_byte_what_the_serializer_would(posts, query):
    assert walk(PrecinctPostListView.as_view(), f"/api/v1/precincts/precinct-a/posts/{query}", slug="precinct-a") == (
        walk(SerializedPrecinctPosts.as_view(), f"/api/v1/precincts/precinct-a/posts/{query}", slug="precinct-a")
    )
    assert walk(PublicPostListView.as_view(), f"/api/v1/public-posts/{query}") == walk(
        SerializedCityPosts.as_view(), f"/api/v1/public-posts/{query}"
    )


def test_it_walks_a_precincts_posts_once_each_newest_first(posts, anon):
    seen, url = [], "/api/v1/precincts/precinct-a/posts/?page_size=1"
    while url:
        body = anon.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    mine = [post for post in posts.values() if post.precinct.slug == "precinct-a"]
    published = {post.pk: Post.objects.get(pk=post.pk).published_at for post in mine}
    assert seen == sorted(published, key=lambda pk: (published[pk], pk), reverse=True)


@pytest.mark.parametrize("url", ["/api/v1/precincts/precinct-a/posts/", "/api/v1/public-posts/"])
def test_it_refuses_a_category_that_is_not_a_slug_naming_the_field(posts, anon, url):
    assert_error(anon.get(f"{url}?category=not%20a%20slug"), 400, field="category")
    assert anon.get(f"{url}?category=").status_code == 200, "an empty filter is no filter"
    assert anon.get(f"{url}?category=no-such-category").json()["results"] == []


def test_it_answers_404_for_an_unknown_or_closed_precinct(posts, anon, precinct_b):
    assert_error(anon.get("/api/v1/precincts/nowhere/posts/"), 404)
    precinct_b.is_active = False
    precinct_b.save(update_fields=["is_active"])
    assert_error(anon.get("/api/v1/precincts/precinct-b/posts/"), 404)
    assert all(row["precinct"] == "precinct-a" for row in anon.get("/api/v1/public-posts/").json()["results"])


@pytest.mark.parametrize("url", ["/api/v1/precincts/precinct-a/posts/", "/api/v1/public-posts/"])
def test_it_still_throttles_the_lists(posts, anon, monkeypatch, url):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "1/minute")
    assert anon.get(url).status_code == 200
    assert_error(anon.get(f"{url}?page_size=3"), 429)
