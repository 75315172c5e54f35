"""The OpenAPI schema at /api/schema/ describes every endpoint, and /api/docs/ works from local files under the CSP."""

import re

import pytest
from django.core.management import call_command
from django.urls import URLResolver, get_resolver

from tests.api.test_permissions import api_endpoints

pytestmark = pytest.mark.django_db

ERROR_REF = {"#/components/schemas/Error", "#/components/schemas/Conflict"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def openapi_path(route: str) -> str:
    return "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def routes() -> dict[str, str]:
    """{url name: OpenAPI path} for every /api/v1/ endpoint."""
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            return {p.name: openapi_path(str(p.pattern)) for p in pattern.url_patterns}
    raise AssertionError("no api namespace")


def test_it_documents_every_endpoint_and_method(schema):
    paths = routes()
    documented = {(path, method.upper()) for path, item in schema["paths"].items() for method in item}
    expected = {(paths[name], method) for name, method in api_endpoints()}
    assert expected - documented == set(), "endpoints missing from the schema"
    assert documented - expected == set(), "schema operations with no endpoint"


def test_it_passes_drf_spectacular_validation_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_it_documents_errors_in_the_one_error_format(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref in ERROR_REF, (method, path, status)
                    assert response["description"], (method, path, status)


def test_it_documents_409_where_a_race_can_be_lost(schema):
    raceable = [
        ("/api/v1/incidents/{reference}/followups/", "post"),
        ("/api/v1/posts/{post_id}/", "patch"),
        ("/api/v1/posts/{post_id}/approve/", "post"),
        ("/api/v1/posts/{post_id}/reject/", "post"),
    ]
    for path, method in raceable:
        assert "409" in schema["paths"][path][method]["responses"], path
    conflict = schema["components"]["schemas"]["Conflict"]
    assert set(conflict["properties"]) == {"detail", "errors", "current"}


def test_it_documents_both_ways_to_sign_in(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey" and schemes["tokenAuth"]["name"] == "Authorization"
    assert schemes["cookieAuth"]["in"] == "cookie"
    staff = schema["paths"]["/api/v1/incidents/"]["get"]["security"]
    assert {} not in staff, "staff endpoints need credentials"
    assert {} in schema["paths"]["/api/v1/reports/{reference}/"]["get"]["security"], "public ones do not"
    assert schema["paths"]["/api/v1/auth/token/"]["post"]["security"] == [{}], "signing in needs no credentials"


def test_it_documents_cursor_pagination_on_lists(schema):
    incidents = schema["paths"]["/api/v1/incidents/"]["get"]
    assert {p["name"] for p in incidents["parameters"]} >= {"cursor", "page_size", "status", "q", "reported_from"}
    page = schema["components"]["schemas"]["PaginatedIncidentList"]
    assert set(page["properties"]) == {"next", "previous", "results"}


def test_it_keeps_the_post_check_contract_in_the_schema(schema):
    operation = schema["paths"]["/api/v1/posts/check/"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][request]["properties"]) == {"text", "incident"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][response]["properties"]) == {"ok", "lengths", "grade", "findings"}


def test_it_never_documents_a_private_field_on_a_public_endpoint(schema):
    private = re.compile(r"reporter_|exact_|internal_|involved_names|author|assignee|reviewer|review_comment")
    components = schema["components"]["schemas"]

    def fields(ref, seen):
        name = ref.rsplit("/", 1)[1]
        if name in seen:
            return set()
        seen.add(name)
        found = set(components[name].get("properties", {}))
        for value in components[name].get("properties", {}).values():
            for sub in re.findall(r"'\$ref': '([^']+)'", str(value)):
                found |= fields(sub, seen)
        return found

    for path, item in schema["paths"].items():
        get = item.get("get")
        if get and {} in get.get("security", []) and path != "/api/v1/me/":
            ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            leaked = {f for f in fields(ref, set()) if private.search(f)}
            assert not leaked, (path, leaked)


def test_it_serves_the_schema_as_yaml_and_json(client):
    assert client.get("/api/schema/").content.startswith(b"openapi: 3.0.3")
    data = client.get("/api/schema/?format=json").json()
    assert data["info"]["title"] == "OpenBlotter API" and "/api/v1/incidents/" in data["paths"]


def test_it_serves_the_docs_from_local_files_with_no_inline_code(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r'<script src="([^"]+)"></script>', html)
    assert scripts[:2] == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
    ]
    assert scripts[2].startswith("/api/docs/?") and "script" in scripts[2]
    assert "http://" not in html and "https://" not in html, "nothing from a CDN"
    assert "<style" not in html and html.count("<script") == 3, "no inline script or style"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp

    init = client.get(scripts[2])
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert b'url: "/api/schema/"' in init.content and b"SwaggerUIBundle(" in init.content
    for asset in scripts[:2]:
        assert client.get(asset).status_code == 200
