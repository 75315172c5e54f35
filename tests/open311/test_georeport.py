"""Open311 GeoReport v2 at /open311/v2/, field by field against the spec, in JSON and in XML."""

import json
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle

from incidents.api import open311
from incidents.models import Incident
from incidents.services import Change, followup_add
from incidents.services import posts as post_services
from tests.factories import CategoryFactory, IncidentFactory, PrecinctFactory

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "address",
]
# W3C datetime, to the second, with a UTC offset: 2010-04-14T06:37:38-04:00
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def read(client, path: str, fmt: str, **params):
    """(status, rows): a GeoReport answer read the same way for both formats; XML values stay strings."""
    response = client.get(f"/open311/v2/{path}.{fmt}", params)
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return response.status_code, json.loads(response.content)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(response.content)  # noqa: S314 - our own answer, parsed as the brief asks
    return response.status_code, (root.tag, [{child.tag: child.text or "" for child in item} for item in root])


def rows(client, path, fmt, *, root, item, **params):
    status, data = read(client, path, fmt, **params)
    assert status == 200, data
    if fmt == "json":
        assert isinstance(data, list)
        return data
    tag, items = data
    assert tag == root
    raw = ET.fromstring(client.get(f"/open311/v2/{path}.{fmt}", params).content)  # noqa: S314
    assert {child.tag for child in raw} <= {item}
    return items


def errors(client, path, fmt, **params):
    status, data = read(client, path, fmt, **params)
    if fmt == "json":
        assert isinstance(data, list) and data
        assert all(set(e) == {"code", "description"} and e["code"] == status for e in data)
        return status, data[0]["description"]
    tag, items = data
    assert tag == "errors" and items and all(set(e) == {"code", "description"} for e in items)
    assert items[0]["code"] == str(status)
    return status, items[0]["description"]


@pytest.fixture
def report(incident, officer, supervisor):
    """The conftest report, looked into and resolved, with a public note and a published post."""
    followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="investigating", public_note="Officers are on the way."),
    )
    entry = followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="warning", internal_note="Spoke to the host."),
    )
    post = post_services.post_submit(acting_user=officer, post=entry.drafted_post)
    post_services.post_approve(acting_user=supervisor, post=post)
    incident.refresh_from_db()
    return incident


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_lists_the_active_categories_as_services(category, client, fmt):
    CategoryFactory(name="Retired", slug="retired", is_active=False)
    services = rows(client, "services", fmt, root="services", item="service")
    assert len(services) == 1
    service = services[0]
    assert list(service) == SERVICE_FIELDS
    assert service["service_code"] == "noise"
    assert service["service_name"] == "Noise"
    assert service["description"] == "Reports about noise."
    assert service["metadata"] == (False if fmt == "json" else "false")
    assert service["type"] == "realtime"
    assert service["keywords"] == "" and service["group"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_shows_a_request_field_by_field(report, client, fmt):
    (request,) = rows(client, f"requests/{report.reference}", fmt, root="service_requests", item="request")
    assert list(request) == REQUEST_FIELDS, "the spec's names, and no coordinates"
    tz = report.precinct.tzinfo
    assert request["service_request_id"] == report.reference
    assert request["status"] == "closed"
    post = report.posts.get()
    assert request["status_notes"] == post.body, "the latest public note or post: here the post"
    assert request["service_name"] == "Noise"
    assert request["service_code"] == "noise"
    assert request["description"] == "Loud music from a party late at night"
    assert request["agency_responsible"] == "Precinct A"
    assert (
        request["requested_datetime"] == timezone.localtime(report.reported_at, tz).replace(microsecond=0).isoformat()
    )
    assert request["updated_datetime"] == timezone.localtime(post.published_at, tz).replace(microsecond=0).isoformat()
    assert W3C.match(request["requested_datetime"]) and W3C.match(request["updated_datetime"])
    assert request["address"] == "200 block of Main St"


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_gives_an_open_request_its_latest_public_note(incident, officer, client, fmt):
    followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=1,
        change=Change(public_note="We have your report.", internal_note="Private note."),
    )
    followup_add(acting_user=officer, incident=incident, expected_version=2, change=Change(internal_note="Later."))
    (request,) = rows(client, f"requests/{incident.reference}", fmt, root="service_requests", item="request")
    assert (request["status"], request["status_notes"]) == ("open", "We have your report.")
    note_time = incident.followups.exclude(public_note="").get().created_at
    assert request["updated_datetime"] == timezone.localtime(note_time).replace(microsecond=0).isoformat(), (
        "updated when something public changed, not when a private note was added"
    )


def test_it_answers_the_same_in_json_and_xml(report, client):
    json_rows = rows(client, "requests", "json", root="service_requests", item="request")
    xml_rows = rows(client, "requests", "xml", root="service_requests", item="request")
    assert xml_rows == [{k: str(v) for k, v in row.items()} for row in json_rows]


@pytest.fixture
def spread(precinct_a, category):
    """Reports spread over time, states and categories: {name: incident}."""
    now = timezone.now()
    parking = CategoryFactory(name="Parking", slug="parking")
    made = {
        "today": IncidentFactory(precinct=precinct_a, category=category, reported_at=now - timedelta(hours=1)),
        "closed": IncidentFactory(
            precinct=precinct_a,
            category=parking,
            status="resolved",
            outcome="fixed",
            resolved_at=now,
            reported_at=now - timedelta(days=5),
        ),
        "old": IncidentFactory(precinct=precinct_a, category=category, reported_at=now - timedelta(days=120)),
    }
    elsewhere = PrecinctFactory(slug="gone", code="GN", is_active=False)
    made["inactive"] = IncidentFactory(precinct=elsewhere, category=category, reported_at=now)
    return made


def ids(client, fmt="json", **params):
    return [
        r["service_request_id"]
        for r in rows(client, "requests", fmt, root="service_requests", item="request", **params)
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_lists_the_last_90_days_newest_first_by_default(spread, client, fmt):
    assert ids(client, fmt) == [spread["today"].reference, spread["closed"].reference]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, ["today"]),
        ({"status": "closed"}, ["closed"]),
        ({"status": "open,closed"}, ["today", "closed"]),
        ({"service_code": "parking"}, ["closed"]),
        ({"service_code": "parking,noise"}, ["today", "closed"]),
        ({"service_code": "nothing"}, []),
        ({"jurisdiction_id": "blotter.example.org"}, ["today", "closed"]),
    ],
)
def test_it_filters_requests(spread, client, params, expected):
    assert ids(client, **params) == [spread[name].reference for name in expected]


def test_it_looks_up_requests_by_id_ignoring_every_other_filter(spread, client):
    wanted = f"{spread['old'].reference},{spread['closed'].reference.lower()},NOTAREF,{spread['inactive'].reference}"
    assert ids(client, service_request_id=wanted, status="open", service_code="nothing") == [
        spread["closed"].reference,
        spread["old"].reference,
    ]


def test_it_searches_a_window_of_dates(spread, client):
    now = timezone.now()
    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client, start_date=start, end_date=end) == [spread["old"].reference]
    assert ids(client, end_date=end) == [spread["old"].reference], "90 days up to end_date"
    assert ids(client, start_date=start) == [spread["old"].reference], "90 days from start_date"
    local = timezone.localtime(now - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert ids(client, start_date=local[:-2] + ":" + local[-2:]) == [
        spread["today"].reference,
        spread["closed"].reference,
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"}, "more than 90 days apart"),
        ({"start_date": "2020-06-01T00:00:00Z", "end_date": "2020-01-01T00:00:00Z"}, "must not be before"),
        ({"start_date": "last tuesday"}, "start_date must be a W3C datetime"),
        ({"end_date": "0001-01-01T00:00:00+14:00"}, "end_date must be a W3C datetime"),
        ({"end_date": "9999-12-31T23:59:59-12:00"}, "end_date must be a W3C datetime"),
        ({"status": "pending"}, "status must be open, closed"),
    ],
)
def test_it_refuses_what_it_cannot_search_in_the_specs_error_format(client, fmt, params, message):
    status, description = errors(client, "requests", fmt, **params)
    assert status == 400 and message in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_answers_404_for_an_unknown_request(incident, client, fmt):
    status, description = errors(client, "requests/ZZZZZZZZ", fmt)
    assert status == 404 and "ZZZZZZZZ" in description


def test_it_answers_404_for_an_unknown_format(client):
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "Unknown format 'csv': use .json or .xml."}]


def test_it_finds_a_request_by_a_reference_typed_loosely(incident, client):
    typed = incident.reference.lower()
    (request,) = rows(client, f"requests/{typed[:4]}-{typed[4:]}", "json", root="service_requests", item="request")
    assert request["service_request_id"] == incident.reference


def test_it_hides_requests_of_inactive_precincts(spread, client):
    status, _ = errors(client, f"requests/{spread['inactive'].reference}", "json")
    assert status == 404


def test_it_returns_at_most_1000_requests(precinct_a, category, officer, client):
    now = timezone.now()
    Incident.objects.bulk_create(
        IncidentFactory.build(
            precinct=precinct_a, category=category, created_by=officer, reported_at=now - timedelta(minutes=i)
        )
        for i in range(open311.MAX_REQUESTS + 5)
    )
    listed = ids(client)
    assert len(listed) == 1000
    newest = Incident.objects.order_by("-reported_at", "-id").values_list("reference", flat=True)[:1000]
    assert listed == list(newest)


def test_it_reads_any_number_of_requests_in_three_queries(spread, report, client, django_assert_num_queries):
    with django_assert_num_queries(3):  # the requests, their public follow-ups, their public posts
        client.get("/open311/v2/requests.json")


def test_it_keeps_the_xml_well_formed_whatever_was_typed(precinct_a, category, client):
    IncidentFactory(precinct=precinct_a, category=category, public_summary="Bell \x07 rang <loud> & \x0b long")
    (request,) = rows(client, "requests", "xml", root="service_requests", item="request")
    assert request["description"] == "Bell  rang <loud> &  long"


def test_it_writes_dates_in_the_precincts_time_zone(precinct_a, category, client):
    precinct_a.timezone = "America/Los_Angeles"
    precinct_a.save(update_fields=["timezone"])
    moment = datetime(2030, 1, 15, 18, 30, 5, tzinfo=UTC)
    IncidentFactory(precinct=precinct_a, category=category, reported_at=moment)
    (request,) = rows(
        client, "requests", "json", root="service_requests", item="request", start_date="2030-01-15T00:00:00Z"
    )
    assert request["requested_datetime"] == "2030-01-15T10:30:05-08:00"


GARBAGE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "%00", "open,\x00", "9999-12-31T23:59:59-12:00", "0001-01-01", ",,,", "ÿ" * 3]),
)


@given(
    params=st.dictionaries(
        st.sampled_from(["service_request_id", "service_code", "status", "start_date", "end_date", "jurisdiction_id"]),
        GARBAGE,
        max_size=4,
    ),
    fmt=st.sampled_from(FORMATS),
)
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_it_answers_any_query_with_requests_or_a_spec_error(spread, client, params, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}", params)
    assert response.status_code in (200, 400), (params, response.content)
    if response.status_code == 400:
        status, description = errors(client, "requests", fmt, **params)
        assert status == 400 and description
    else:
        rows(client, "requests", fmt, root="service_requests", item="request", **params)


def test_it_throttles_like_the_public_api_in_the_specs_error_format(client, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/minute")
    assert client.get("/open311/v2/services.xml").status_code == 200
    response = client.get("/open311/v2/services.xml")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    root = ET.fromstring(response.content)  # noqa: S314
    assert [(e.find("code").text, e.find("description").text) for e in root] == [
        ("429", "Too many requests; wait a minute and try again.")
    ]
