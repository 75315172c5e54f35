"""The public API shows what the public pages show, and not one private detail.

Every private field of a report, its follow-ups, its posts' review and the
people involved gets a canary value; no public response (API or Open311, JSON
or XML) may contain any of them. The public endpoints are read from the URL
resolver, so a new public endpoint is checked too.
"""

from decimal import Decimal

import pytest
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.permissions import AllowAny

from incidents.models import Incident, Post
from incidents.services import Change, followup_add, incident_create
from incidents.services import posts as post_services
from precincts.models import Membership
from tests.api.conftest import assert_error
from tests.factories import MembershipFactory, PrecinctFactory, UserFactory

pytestmark = pytest.mark.django_db

# Letters no public text here contains; digits for the fields that hold numbers.
CANARY = "zqx"
CANARY_NUMBERS = ["555-0177", "5550177", "712345", "998765", "4417"]


@pytest.fixture
def canaries(precinct_a, category):
    """A report whose every private detail is a canary, taken all the way to published and withdrawn posts."""
    author = MembershipFactory(
        user=UserFactory(username="zqx-author", first_name="Zqxfirst", last_name="Zqxlast", email="zqx@example.org"),
        precinct=precinct_a,
    ).user
    reviewer = MembershipFactory(
        user=UserFactory(username="zqx-reviewer", first_name="Zqxboss", last_name="Zqxchief"),
        precinct=precinct_a,
        role=Membership.Role.SUPERVISOR,
    ).user
    incident = incident_create(
        acting_user=author,
        precinct=precinct_a,
        category=category,
        public_summary="Loud music from a party late at night",
        public_location="200 block of Main St",
        reporter_name="Zqx Reportername",
        reporter_phone="(212) 555-0177",
        reporter_email="zqx.reporter@example.org",
        exact_address="4417 Zqxavenue, Apt 9",
        internal_narrative="Zqx narrative: the neighbour at the back door.",
        involved_names="Zqx Involvedname\nZqx Otherperson",
        assignee=author,
    )
    Incident.objects.filter(pk=incident.pk).update(
        exact_latitude=Decimal("40.712345"), exact_longitude=Decimal("-73.998765")
    )
    incident.refresh_from_db()
    followup_add(
        acting_user=author,
        incident=incident,
        expected_version=incident.version,
        change=Change(internal_note="Zqx internal note", public_note="Officers visited the block.", assignee=reviewer),
    )
    entry = followup_add(
        acting_user=author,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="warning", internal_note="Zqx closing note"),
    )
    post = entry.drafted_post
    post = post_services.post_submit(acting_user=author, post=post)
    post = post_services.post_request_changes(acting_user=reviewer, post=post, reason="Zqx review comment")
    post = post_services.post_submit(acting_user=author, post=post)
    post = post_services.post_approve(acting_user=reviewer, post=post)
    update = post_services.post_draft_update(acting_user=author, incident=incident, body="Officers gave a warning.")
    update = post_services.post_submit(acting_user=author, post=update)
    update = post_services.post_approve(acting_user=reviewer, post=update)
    post_services.post_retract(acting_user=reviewer, post=update, reason="Posted twice by mistake.")
    post_services.precinct_hold(acting_user=reviewer, precinct=precinct_a, reason="Zqx hold reason")
    post_services.precinct_release(acting_user=reviewer, precinct=precinct_a)
    return {"incident": incident, "published": post, "withdrawn": update, "author": author}


def public_api_urls(canaries) -> list[str]:
    """A URL for every public (AllowAny) GET endpoint under /api/v1/, filled in with the canary records."""
    values = {
        "slug": "precinct-a",
        "reference": canaries["incident"].reference,
        "post_id": canaries["published"].pk,
    }
    urls = []
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            for endpoint in pattern.url_patterns:
                view = endpoint.callback.view_class
                if hasattr(view, "get") and AllowAny in view.permission_classes:
                    kwargs = {name: values[name] for name in endpoint.pattern.converters}
                    urls.append(reverse(f"api:{endpoint.name}", kwargs=kwargs))
    return urls


def open311_urls(canaries) -> list[str]:
    reference = canaries["incident"].reference
    return [
        f"/open311/v2/{path}.{fmt}"
        for path in ("services", "requests", f"requests/{reference}")
        for fmt in ("json", "xml")
    ]


def assert_no_canary(url: str, text: str):
    assert CANARY not in text.lower(), f"{url} leaks a private value"
    for number in CANARY_NUMBERS:
        assert number not in text, f"{url} leaks a private number"


def test_it_plants_canaries_the_staff_api_does_show(canaries):
    """Guards the test below: the canaries are where a leak would come from."""
    from tests.api.conftest import token_client

    staff = token_client(canaries["author"])
    incident = staff.get(f"/api/v1/incidents/{canaries['incident'].reference}/").content.decode()
    assert CANARY in incident.lower() and "712345" in incident and "555-0177" in incident
    post = staff.get(f"/api/v1/posts/{canaries['published'].pk}/").content.decode()
    assert "Zqx review comment" in post


def test_it_never_shows_a_private_detail_in_a_public_response(canaries, anon, client):
    urls = public_api_urls(canaries)
    assert len(urls) >= 7
    for url in urls:
        response = anon.get(url)
        assert response.status_code == 200, url
        assert_no_canary(url, response.content.decode())
    for url in open311_urls(canaries):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_canary(url, response.content.decode())


def test_it_shows_a_report_with_its_public_notes_and_posts(canaries, anon):
    incident = canaries["incident"]
    data = anon.get(f"/api/v1/reports/{incident.reference.lower()}/").json()
    assert data["reference"] == incident.reference
    assert (data["status"], data["status_name"]) == ("resolved", "Resolved")
    assert (data["category"], data["precinct"]) == ("noise", "precinct-a")
    assert data["public_location"] == "200 block of Main St"
    assert [n["note"] for n in data["notes"]] == ["Officers visited the block."]
    assert [(p["id"], p["withdrawn"]) for p in data["posts"]] == [
        (canaries["published"].pk, False),
        (canaries["withdrawn"].pk, True),
    ]
    assert set(data) == {
        "reference",
        "precinct",
        "precinct_name",
        "category",
        "category_name",
        "status",
        "status_name",
        "public_summary",
        "public_location",
        "reported_at",
        "resolved_at",
        "notes",
        "posts",
    }


def test_it_shows_a_withdrawn_post_with_its_text_marked_withdrawn(canaries, anon):
    data = anon.get(f"/api/v1/public-posts/{canaries['withdrawn'].pk}/").json()
    assert data["withdrawn"] is True and data["withdrawn_reason"] == "Posted twice by mistake."
    assert data["body"] == "Officers gave a warning." and data["withdrawn_at"]
    published = anon.get(f"/api/v1/public-posts/{canaries['published'].pk}/").json()
    assert (published["withdrawn"], published["withdrawn_at"], published["withdrawn_reason"]) == (False, None, None)
    assert published["report"] == canaries["incident"].reference


@pytest.mark.parametrize("state", ["draft", "in_review", "changes_requested", "approved", "rejected"])
def test_it_answers_404_for_a_post_that_is_not_public(world, anon, supervisor, state):
    post = world.in_review
    if state == "draft":
        post = world.draft
    elif state == "changes_requested":
        post = post_services.post_request_changes(acting_user=supervisor, post=post, reason="Shorter.")
    elif state == "rejected":
        post = post_services.post_reject(acting_user=supervisor, post=post, reason="No.")
    elif state == "approved":
        post = post_services.post_approve(
            acting_user=supervisor, post=post, publish_at=post.created_at.replace(year=2999)
        )
    assert Post.objects.get(pk=post.pk).status == state
    assert_error(anon.get(f"/api/v1/public-posts/{post.pk}/"), 404)
    assert anon.get("/api/v1/public-posts/").json()["results"] == []
    assert anon.get("/api/v1/precincts/precinct-a/posts/").json()["results"] == []


def test_it_lists_a_precincts_timeline_newest_first_with_a_category_filter(canaries, anon):
    posts = anon.get("/api/v1/precincts/precinct-a/posts/").json()["results"]
    assert [p["id"] for p in posts] == [canaries["withdrawn"].pk, canaries["published"].pk]
    assert anon.get("/api/v1/precincts/precinct-a/posts/?category=noise").json()["results"] == posts
    assert anon.get("/api/v1/precincts/precinct-a/posts/?category=parking").json()["results"] == []
    assert_error(anon.get("/api/v1/precincts/precinct-a/posts/?category=not%20a%20slug"), 400, field="category")


def test_it_lists_active_precincts_only(precinct_a, anon):
    PrecinctFactory(name="Closed Precinct", slug="closed", code="CL", is_active=False)
    assert [p["slug"] for p in anon.get("/api/v1/precincts/").json()["results"]] == ["precinct-a"]
    assert_error(anon.get("/api/v1/precincts/closed/"), 404)
    assert_error(anon.get("/api/v1/precincts/closed/posts/"), 404)


def test_it_answers_404_for_an_unknown_report(anon):
    assert_error(anon.get("/api/v1/reports/ZZZZZZZZ/"), 404)
    assert_error(anon.get("/api/v1/reports/not-a-reference/"), 404)


def test_it_lists_the_categories(category, anon):
    assert anon.get("/api/v1/categories/").json()["results"] == [{"slug": "noise", "name": "Noise"}]


def test_it_shows_only_public_fields_of_a_precinct(precinct_a, anon):
    data = anon.get("/api/v1/precincts/precinct-a/").json()
    assert set(data) == {"slug", "name", "code", "area", "address", "phone", "about", "timezone"}


def test_it_reads_a_report_in_three_queries(canaries, anon, django_assert_num_queries):
    with django_assert_num_queries(3):  # the report with its precinct and category, its notes, its posts
        anon.get(f"/api/v1/reports/{canaries['incident'].reference}/")


def test_it_reads_a_timeline_page_in_two_queries(canaries, anon, django_assert_num_queries):
    # The precinct (its marker makes the ETag; from the cache when the cache is shared), and the page.
    with django_assert_num_queries(2):
        anon.get("/api/v1/precincts/precinct-a/posts/")
