"""A third-party Open311 client (the `georeport` package from PyPI, which 311 apps use) reads
our services and requests over HTTP, in both formats, exactly as it reads a city's endpoint."""

import pytest
from georeport import GeoReport

from incidents.services import Change, followup_add

pytestmark = pytest.mark.django_db(transaction=True)


def as_list(value):
    # xmltodict gives a dict for one element and a list for several.
    return value if isinstance(value, list) else [value]


@pytest.fixture
def reports(incident, officer):
    followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="fixed", public_note="The music was turned down."),
    )
    incident.refresh_from_db()
    return [incident]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_third_party_client_reads_services_and_requests(live_server, reports, fmt):
    client = GeoReport(f"{live_server.url}/open311/v2/", jurisdiction="blotter.example.org", output_format=fmt)

    services = as_list(client.get_service_list())
    assert [(s["service_code"], s["service_name"]) for s in services] == [("noise", "Noise")]

    requests = as_list(client.get_service_requests(status="closed", service_code="noise"))
    assert [r["service_request_id"] for r in requests] == [reports[0].reference]

    one = client.get_service_request(reports[0].reference)
    assert one["status"] == "closed"
    assert one["status_notes"] == "The music was turned down."
    assert one["address"] == "200 block of Main St"
    assert one["agency_responsible"] == "Precinct A"
