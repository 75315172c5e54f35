"""The whole officer → supervisor workflow through the API, with tokens the API itself handed out."""

import pytest
from rest_framework.test import APIClient

from incidents.models import Incident, Post, PostEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_it_runs_from_report_to_published_post_with_api_tokens(officer, supervisor, category, anon):
    officer_api, supervisor_api = signed_in("officer"), signed_in("supervisor")
    assert ok(officer_api.get("/api/v1/me/"))["memberships"][0]["role"] == "officer"

    # The officer logs the report and assigns it to themselves.
    incident = ok(
        officer_api.post(
            "/api/v1/incidents/",
            {
                "category": "noise",
                "public_summary": "Loud music from a party late at night",
                "public_location": "200 block of Main St",
                "reporter_name": "Maria Gonzalez",
                "reporter_phone": "(212) 555-0142",
                "source": "phone",
                "assignee": officer.pk,
            },
            format="json",
        ),
        201,
    )
    reference = incident["reference"]
    assert incident["status"] == "new" and incident["assignee"]["username"] == "officer"
    assert ok(anon.get(f"/api/v1/reports/{reference}/"))["status_name"] == "Received"

    # Follow-ups move it along; each carries the version it was made from.
    step = ok(
        officer_api.post(
            f"/api/v1/incidents/{reference}/followups/",
            {"version": incident["version"], "to_status": "investigating", "public_note": "Officers are on the way."},
            format="json",
        ),
        201,
    )
    assert step["incident"]["status"] == "investigating"
    closed = ok(
        officer_api.post(
            f"/api/v1/incidents/{reference}/followups/",
            {
                "version": step["incident"]["version"],
                "to_status": "resolved",
                "outcome": "warning",
                "internal_note": "Host turned the music down.",
            },
            format="json",
        ),
        201,
    )
    draft = closed["drafted_post"]
    assert closed["incident"]["status"] == "resolved" and draft["status"] == "draft"
    assert draft["author"]["username"] == "officer" and draft["incident"] == reference

    # The officer edits the drafted text and submits it; the supervisor asks for a change.
    edited = ok(
        officer_api.patch(
            f"/api/v1/posts/{draft['id']}/",
            {
                "body": "Noise report on the 200 block of Main St: officers gave a warning.",
                "version": draft["version"],
            },
            format="json",
        )
    )
    assert edited["check"]["ok"] is True
    ok(officer_api.post(f"/api/v1/posts/{draft['id']}/submit/", {"version": edited["version"]}, format="json"))
    queue = ok(supervisor_api.get("/api/v1/posts/?status=in_review"))["results"]
    assert [p["id"] for p in queue] == [draft["id"]]
    back = ok(
        supervisor_api.post(
            f"/api/v1/posts/{draft['id']}/request-changes/",
            {"reason": "Say that it was late at night.", "version": queue[0]["version"]},
            format="json",
        )
    )
    assert back["status"] == "changes_requested" and back["review_comment"] == "Say that it was late at night."

    # The officer revises and resubmits; the supervisor approves and it goes out at once.
    revised = ok(
        officer_api.patch(
            f"/api/v1/posts/{draft['id']}/",
            {
                "body": "Late-night noise report on the 200 block of Main St: officers gave a warning.",
                "version": back["version"],
            },
            format="json",
        )
    )
    ok(officer_api.post(f"/api/v1/posts/{draft['id']}/submit/", {}, format="json"))
    published = ok(
        supervisor_api.post(
            f"/api/v1/posts/{draft['id']}/approve/", {"version": revised["version"] + 1}, format="json"
        )
    )
    assert published["status"] == "published" and published["reviewer"]["username"] == "supervisor"
    assert [e["to_status"] for e in published["history"]] == [
        "draft",
        "draft",
        "in_review",
        "changes_requested",
        "changes_requested",
        "in_review",
        "approved",
        "published",
    ]

    # Residents see it on the precinct's timeline and on the report's page.
    timeline = ok(anon.get("/api/v1/precincts/precinct-a/posts/"))["results"]
    assert [p["id"] for p in timeline] == [draft["id"]]
    report = ok(anon.get(f"/api/v1/reports/{reference}/"))
    assert report["status_name"] == "Resolved"
    assert [n["note"] for n in report["notes"]] == ["Officers are on the way."]
    assert (
        report["posts"][0]["body"] == "Late-night noise report on the 200 block of Main St: officers gave a warning."
    )

    # The supervisor withdraws it; it stays listed, marked withdrawn with the reason.
    ok(supervisor_api.post(f"/api/v1/posts/{draft['id']}/retract/", {"reason": "Wrong block."}, format="json"))
    withdrawn = ok(anon.get(f"/api/v1/public-posts/{draft['id']}/"))
    assert withdrawn["withdrawn"] is True and withdrawn["withdrawn_reason"] == "Wrong block."

    # Signing out revokes the token.
    assert officer_api.delete("/api/v1/auth/token/").status_code == 204
    assert officer_api.get("/api/v1/me/").status_code == 401

    assert Incident.objects.get(reference=reference).status == "resolved"
    assert Post.objects.get(pk=draft["id"]).status == "retracted"
    assert PostEvent.objects.filter(post_id=draft["id"]).count() == 9


def test_it_holds_and_releases_publishing(world, as_supervisor, as_officer, django_capture_on_commit_callbacks):
    post = world.in_review
    hold = as_supervisor.post("/api/v1/precincts/precinct-a/hold/", {"reason": "Storm coverage."}, format="json")
    assert hold.json()["held"] is True and hold.json()["held_by"]["username"] == "supervisor"

    approved = as_supervisor.post(f"/api/v1/posts/{post.pk}/approve/", {}, format="json").json()
    assert approved["status"] == "approved", "an approved post waits while publishing is on hold"
    assert as_officer.get("/api/v1/precincts/precinct-a/hold/").json()["reason"] == "Storm coverage."

    with django_capture_on_commit_callbacks(execute=True):  # the release queues the publisher after commit
        released = as_supervisor.delete("/api/v1/precincts/precinct-a/hold/")
    assert released.status_code == 200 and released.json()["held"] is False
    assert as_supervisor.get(f"/api/v1/posts/{post.pk}/").json()["status"] == "published"


def test_it_publishes_an_urgent_alert_and_a_second_supervisor_reviews_it(world, as_supervisor):
    second = APIClient()
    second.force_authenticate(world.second_supervisor)
    alert = second.post(
        "/api/v1/posts/",
        {"kind": "alert", "precinct": "precinct-a", "body": "Main St is closed until noon.", "publish_now": True},
        format="json",
    )
    assert alert.status_code == 201, alert.content
    assert alert.json()["status"] == "published" and alert.json()["needs_after_review"] is True

    reviewed = as_supervisor.post(f"/api/v1/posts/{alert.json()['id']}/after-review/", format="json")
    assert reviewed.status_code == 200 and reviewed.json()["needs_after_review"] is False


def test_it_rejects_a_post_for_good(world, as_supervisor, as_officer):
    post = world.in_review
    rejected = as_supervisor.post(f"/api/v1/posts/{post.pk}/reject/", {"reason": "Not needed."}, format="json")
    assert rejected.json()["status"] == "rejected"
    again = as_officer.post(f"/api/v1/posts/{post.pk}/submit/", {}, format="json")
    assert again.status_code == 409
