"""Who gets what: every /api/v1/ endpoint × method × actor.

The actors are the standing ones: anonymous, `officer` and `supervisor` of
precinct A, and `outsider` (a supervisor of precinct B). Every record touched
belongs to precinct A. Across precincts the answer is 404 (nothing is
revealed), the wrong role inside a precinct gets 403, no credentials 401.

The matrix is checked against the URL resolver: an endpoint (or method) added
to /api/v1/ without a row here fails `test_it_covers_every_endpoint_and_method`.
HEAD and OPTIONS follow GET and DRF's metadata and are left out.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLResolver, get_resolver, reverse

from precincts.models import Precinct
from tests.api.conftest import ACTORS
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    """Expected status per actor, and how to build the URL and body from the world."""

    anonymous: int
    officer: int
    supervisor: int
    outsider: int
    kwargs: object = None  # world -> URL kwargs
    body: object = None  # (world, actor) -> request body
    setup: object = None  # world -> None, run before the request
    notes: str = field(default="", compare=False)

    def expected(self, actor: str) -> int:
        return getattr(self, actor)


def public(**extra) -> Row:
    return Row(200, 200, 200, 200, **extra)


def members(ok: int = 200, **extra) -> Row:
    """Staff of precinct A may; the outsider learns nothing (404)."""
    return Row(401, ok, ok, 404, **extra)


def supervisors(ok: int = 200, **extra) -> Row:
    return Row(401, 403, ok, 404, **extra)


A = {"slug": "precinct-a"}


def ref(world):
    return {"reference": world.incident.reference}


def post(name):
    return lambda world: {"post_id": getattr(world, name).pk}


def credentials(world, actor):
    if actor == "anonymous":
        return {"username": "nobody", "password": "not-a-password"}
    return {"username": actor, "password": PASSWORD}


def version_of(name):
    return lambda world, actor: {"version": getattr(world, name).version}


MATRIX: dict[tuple[str, str], Row] = {
    # Signing in: the body carries the actor's own credentials (anonymous has none).
    ("auth_token", "POST"): Row(400, 200, 200, 200, body=credentials),
    ("auth_token", "DELETE"): Row(401, 204, 204, 204),
    ("me", "GET"): Row(401, 200, 200, 200),
    # Public, read-only.
    ("category_list", "GET"): public(),
    ("precinct_list", "GET"): public(),
    ("precinct_detail", "GET"): public(kwargs=lambda w: A),
    ("precinct_posts", "GET"): public(kwargs=lambda w: A, setup=lambda w: w.published),
    ("public_post_list", "GET"): public(setup=lambda w: w.published),
    ("public_post_detail", "GET"): public(kwargs=post("published")),
    ("report_detail", "GET"): public(kwargs=ref),
    # Staff of the precinct.
    ("precinct_staff", "GET"): members(kwargs=lambda w: A),
    ("precinct_hold", "GET"): members(kwargs=lambda w: A),
    ("precinct_hold", "POST"): supervisors(kwargs=lambda w: A, body=lambda w, a: {"reason": "Storm coverage."}),
    ("precinct_hold", "DELETE"): supervisors(kwargs=lambda w: A, setup=lambda w: w.hold()),
    # Lists show the caller's own precincts: the outsider gets theirs (without A's records).
    ("incident_list", "GET"): Row(401, 200, 200, 200),
    # The outsider names precinct A in the body: refused like any precinct not theirs, revealing nothing.
    ("incident_list", "POST"): Row(
        401,
        201,
        201,
        400,
        body=lambda w, a: {
            "precinct": "precinct-a",
            "category": "noise",
            "public_summary": "Dog barking all night",
            "public_location": "100 block of Elm St",
        },
    ),
    ("incident_detail", "GET"): members(kwargs=ref),
    ("incident_followups", "GET"): members(kwargs=ref),
    ("incident_followups", "POST"): members(
        201, kwargs=ref, body=lambda w, a: {"version": w.incident.version, "internal_note": "Called back."}
    ),
    ("post_list", "GET"): Row(401, 200, 200, 200),
    ("post_list", "POST"): Row(
        401,
        201,
        201,
        400,
        body=lambda w, a: {"kind": "update", "incident": w.incident.reference, "body": "Officers are on it."},
    ),
    ("post_check", "POST"): Row(401, 200, 200, 200, body=lambda w, a: {"text": "Officers fixed the light."}),
    ("post_detail", "GET"): members(kwargs=post("draft")),
    # Only the author edits or submits: anyone else, the supervisor too, is refused (403).
    ("post_detail", "PATCH"): Row(
        401,
        200,
        403,
        404,
        kwargs=post("draft"),
        body=lambda w, a: {"body": "The car was moved. Thank you for telling us.", "version": w.draft.version},
    ),
    ("post_submit", "POST"): Row(401, 200, 403, 404, kwargs=post("draft"), body=version_of("draft")),
    ("post_approve", "POST"): supervisors(kwargs=post("in_review"), body=version_of("in_review")),
    ("post_request_changes", "POST"): supervisors(
        kwargs=post("in_review"), body=lambda w, a: {"reason": "Say which street.", "version": w.in_review.version}
    ),
    ("post_reject", "POST"): supervisors(
        kwargs=post("in_review"), body=lambda w, a: {"reason": "Not needed.", "version": w.in_review.version}
    ),
    ("post_retract", "POST"): supervisors(kwargs=post("published"), body=lambda w, a: {"reason": "Wrong street."}),
    ("post_after_review", "POST"): supervisors(kwargs=post("urgent_alert")),
}


def api_endpoints() -> set[tuple[str, str]]:
    """(url name, method) for every view under /api/v1/, read from the URL resolver."""
    found = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            for endpoint in pattern.url_patterns:
                view = endpoint.callback.view_class
                allowed = {m for m in view.http_method_names if m not in ("head", "options") and hasattr(view, m)}
                found |= {(endpoint.name, method.upper()) for method in allowed}
    return found


def test_it_covers_every_endpoint_and_method():
    endpoints = api_endpoints()
    assert len(endpoints) > 25
    missing = endpoints - set(MATRIX)
    stale = set(MATRIX) - endpoints
    assert not missing, f"endpoints with no row in the permissions matrix: {sorted(missing)}"
    assert not stale, f"rows for endpoints that no longer exist: {sorted(stale)}"


def test_it_mounts_the_api_at_api_v1():
    assert reverse("api:me") == "/api/v1/me/"
    assert reverse("api:post_check") == "/api/v1/posts/check/"


CASES = [(name, method, actor) for (name, method) in sorted(MATRIX) for actor in ACTORS]


@pytest.mark.parametrize(("name", "method", "actor"), CASES, ids=[f"{n}-{m}-{a}" for n, m, a in CASES])
def test_it_answers_each_actor_as_the_matrix_says(world, actor_client, outsider, name, method, actor):
    row = MATRIX[(name, method)]
    kwargs = row.kwargs(world) if row.kwargs else {}
    if row.setup:
        row.setup(world)
    body = row.body(world, actor) if row.body else None
    client = actor_client(actor)
    url = reverse(f"api:{name}", kwargs=kwargs)

    response = getattr(client, method.lower())(url, body, format="json")

    assert response.status_code == row.expected(actor), response.content
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "errors"}


def test_it_refuses_a_signed_in_user_who_belongs_to_no_precinct(world, db):
    from tests.api.conftest import token_client
    from tests.factories import UserFactory

    stranger = token_client(UserFactory(username="stranger"))
    assert stranger.get(reverse("api:incident_list")).status_code == 403
    assert stranger.get(reverse("api:post_list")).status_code == 403
    assert stranger.post(reverse("api:post_check"), {"text": "x"}, format="json").status_code == 403
    assert stranger.get(reverse("api:incident_detail", kwargs=ref(world))).status_code == 403
    # They may still read what everyone can, and ask who they are.
    assert stranger.get(reverse("api:report_detail", kwargs=ref(world))).status_code == 200
    assert stranger.get(reverse("api:me")).json()["memberships"] == []


def test_it_hides_precinct_a_from_the_outsiders_lists(world, as_outsider):
    world.published  # noqa: B018
    assert as_outsider.get(reverse("api:incident_list")).json()["results"] == []
    assert as_outsider.get(reverse("api:post_list")).json()["results"] == []


def test_it_treats_an_inactive_precinct_as_gone(world, as_officer, anon):
    world.published  # noqa: B018
    Precinct.objects.filter(pk=world.precinct.pk).update(is_active=False)
    assert as_officer.get(reverse("api:incident_detail", kwargs=ref(world))).status_code == 403
    assert anon.get(reverse("api:precinct_detail", kwargs=A)).status_code == 404
    assert anon.get(reverse("api:public_post_detail", kwargs={"post_id": world.published.pk})).status_code == 404
    assert anon.get(reverse("api:report_detail", kwargs=ref(world))).status_code == 404
