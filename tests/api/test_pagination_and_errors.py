"""Cursor pagination on every list, throttling, and the one error format for every kind of failure."""

from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from rest_framework.pagination import CursorPagination
from rest_framework.throttling import AnonRateThrottle

from tests.api.conftest import assert_error
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def walk(client, url) -> list[dict]:
    """Every row of a list, page by page through the `next` links."""
    rows, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        rows += body["results"]
        url, pages = body["next"], pages + 1
    return rows, pages


def test_it_paginates_every_list_with_a_cursor():
    lists = []
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            for endpoint in pattern.url_patterns:
                view = endpoint.callback.view_class
                if view.pagination_class is not None:
                    assert issubclass(view.pagination_class, CursorPagination), endpoint.name
                    lists.append(endpoint.name)
    assert set(lists) >= {
        "incident_list",
        "incident_followups",
        "post_list",
        "precinct_list",
        "category_list",
        "precinct_posts",
        "public_post_list",
        "precinct_staff",
    }


def test_it_walks_every_incident_once_in_order_even_with_equal_times(precinct_a, category, as_officer):
    moment = timezone.now() - timedelta(hours=1)
    made = [IncidentFactory(precinct=precinct_a, category=category, reported_at=moment) for _ in range(4)]
    made += [
        IncidentFactory(precinct=precinct_a, category=category, reported_at=moment - timedelta(minutes=i))
        for i in range(1, 4)
    ]
    rows, pages = walk(as_officer, "/api/v1/incidents/?page_size=2")
    assert pages == 4
    expected = sorted(made, key=lambda i: (i.reported_at, i.pk), reverse=True)
    assert [r["reference"] for r in rows] == [i.reference for i in expected]


def test_it_keeps_its_place_when_new_reports_arrive(precinct_a, category, as_officer):
    old = [
        IncidentFactory(precinct=precinct_a, category=category, reported_at=timezone.now() - timedelta(days=d))
        for d in range(1, 5)
    ]
    first = as_officer.get("/api/v1/incidents/?page_size=2").json()
    IncidentFactory(precinct=precinct_a, category=category, reported_at=timezone.now())
    second = as_officer.get(first["next"]).json()
    assert [r["reference"] for r in first["results"] + second["results"]] == [i.reference for i in old]


def test_it_caps_the_page_size(precinct_a, category, as_officer):
    for _ in range(3):
        IncidentFactory(precinct=precinct_a, category=category)
    assert len(as_officer.get("/api/v1/incidents/?page_size=1").json()["results"]) == 1
    assert len(as_officer.get("/api/v1/incidents/?page_size=100000").json()["results"]) == 3


def test_it_answers_404_for_a_mangled_cursor(as_officer, anon):
    assert_error(as_officer.get("/api/v1/incidents/?cursor=garbage"), 404)
    assert_error(anon.get("/api/v1/public-posts/?cursor=%00%ff"), 404)


def test_it_throttles_anonymous_callers_in_the_error_format(anon, monkeypatch):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    assert anon.get("/api/v1/precincts/").status_code == 200
    assert anon.get("/api/v1/categories/").status_code == 200
    response = anon.get("/api/v1/precincts/")
    assert "throttled" in assert_error(response, 429)["detail"]
    assert int(response["Retry-After"]) > 0


def test_it_answers_405_for_a_method_an_endpoint_does_not_have(as_officer):
    response = as_officer.put("/api/v1/incidents/", {}, format="json")
    assert assert_error(response, 405)["detail"] == 'Method "PUT" not allowed.'


def test_it_answers_400_for_a_body_that_is_not_json(as_officer):
    response = as_officer.post("/api/v1/posts/check/", "{not json", content_type="application/json")
    assert assert_error(response, 400)["detail"].startswith("JSON parse error")


def test_it_answers_415_for_a_form_encoded_body(as_officer):
    response = as_officer.post("/api/v1/posts/check/", {"text": "x"})
    assert_error(response, 415)


def test_it_names_every_field_at_fault(as_officer):
    body = assert_error(as_officer.post("/api/v1/incidents/", {"public_summary": 5}, format="json"), 400)
    assert body["detail"] == "Some fields are not valid."
    assert set(body["errors"]) >= {"category", "public_location"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/", "/api/v1/nothing-here/", "/api/v1/posts/abc/", "/api/v1/posts/-1/", "/api/v1/incidents//"],
)
def test_it_answers_404_in_the_error_format_for_any_other_api_path(anon, as_officer, path):
    assert_error(anon.get(path), 404)
    assert_error(as_officer.post(path, {}, format="json"), 404)


def test_it_answers_404_for_ids_too_big_for_the_database(world, as_supervisor, anon):
    big = 10**30
    assert_error(as_supervisor.get(f"/api/v1/posts/{big}/"), 404)
    assert_error(as_supervisor.post(f"/api/v1/posts/{big}/approve/", {}, format="json"), 404)
    assert_error(anon.get(f"/api/v1/public-posts/{big}/"), 404)
    assert_error(as_supervisor.post("/api/v1/posts/check/", {"text": "x", "incident": big}, format="json"), 404)
