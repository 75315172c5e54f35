"""Staff posts through the API: lists, drafting, editing, review, and the conflicts between them."""

import pytest

from incidents.models import Post, PostEvent, PostStatus
from incidents.services import posts as post_services
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

LIST = "/api/v1/posts/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_it_lists_posts_newest_first_and_filters_them(world, as_supervisor, as_officer):
    draft, in_review, published = world.draft, world.in_review, world.published
    assert ids(as_supervisor.get(LIST)) == [published.pk, in_review.pk, draft.pk]
    assert ids(as_supervisor.get(f"{LIST}?status=in_review")) == [in_review.pk]
    assert ids(as_supervisor.get(f"{LIST}?kind=resolution")) == [draft.pk]
    assert ids(as_supervisor.get(f"{LIST}?incident={world.incident.reference.lower()}")) == [
        published.pk,
        in_review.pk,
    ]
    assert ids(as_supervisor.get(f"{LIST}?incident=nonsense")) == []
    assert ids(as_supervisor.get(f"{LIST}?precinct=precinct-a&mine=true")) == []
    assert ids(as_officer.get(f"{LIST}?mine=true")) == [published.pk, in_review.pk, draft.pk]


@pytest.mark.parametrize(
    ("query", "field"), [("status=lost", "status"), ("kind=poem", "kind"), ("mine=perhaps", "mine")]
)
def test_it_refuses_a_filter_it_cannot_understand(as_officer, query, field):
    assert_error(as_officer.get(f"{LIST}?{query}"), 400, field=field)


def test_it_drafts_an_update_about_a_report(incident, officer, as_officer):
    response = as_officer.post(
        LIST,
        {"kind": "update", "incident": incident.reference, "body": "Officers are looking into it."},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["kind"], data["status"], data["author"]["id"]) == ("update", "draft", officer.pk)
    assert data["history"][0]["to_status"] == "draft" and data["check"]["ok"] is True
    assert response["Location"] == f"/api/v1/posts/{data['id']}/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "update", "body": "Hello there."}, "incident"),
        ({"kind": "update", "incident": "ZZZZZZZZ", "body": "Hello there."}, "incident"),
        ({"kind": "alert", "body": "Hello there."}, "precinct"),
        ({"kind": "alert", "precinct": "precinct-b", "body": "Hello there."}, "precinct"),
        ({"kind": "resolution", "body": "Hello there."}, "kind"),
        ({"kind": "update", "incident": "<ref>", "body": ""}, "body"),
        ({"kind": "update", "incident": "<ref>", "body": "x" * 501}, "body"),
        ({"kind": "update", "incident": "<ref>", "body": "Hi", "publish_now": True}, "publish_now"),
    ],
)
def test_it_refuses_a_post_it_cannot_make(incident, precinct_b, as_supervisor, body, field):
    if body.get("incident") == "<ref>":
        body = {**body, "incident": incident.reference}
    assert_error(as_supervisor.post(LIST, body, format="json"), 400, field=field)
    assert not Post.objects.exists()


def test_it_keeps_another_precincts_report_out_of_a_new_update(incident, as_outsider):
    body = assert_error(
        as_outsider.post(LIST, {"kind": "update", "incident": incident.reference, "body": "Hi."}, format="json"),
        400,
        field="incident",
    )
    assert body["detail"] == "No report with that reference in your precincts."


def test_it_lets_only_supervisors_write_alerts(precinct_a, as_officer, as_supervisor):
    alert = {"kind": "alert", "precinct": "precinct-a", "body": "Main St is closed until noon."}
    assert_error(as_officer.post(LIST, alert, format="json"), 403)
    response = as_supervisor.post(LIST, alert, format="json")
    assert response.status_code == 201 and response.json()["status"] == "draft"


def test_it_refuses_to_submit_a_post_that_leaks_personal_data(world, as_officer):
    draft = world.draft
    leaky = "Call Maria at 212-555-0142 about the car."
    edited = as_officer.patch(f"/api/v1/posts/{draft.pk}/", {"body": leaky, "version": draft.version}, format="json")
    assert edited.status_code == 200 and edited.json()["check"]["ok"] is False
    body = assert_error(as_officer.post(f"/api/v1/posts/{draft.pk}/submit/", {}, format="json"), 400, field="body")
    assert body["detail"].startswith("This post cannot be submitted")
    assert Post.objects.get(pk=draft.pk).status == PostStatus.DRAFT


def test_it_refuses_a_stale_edit_with_409(world, as_officer):
    draft = world.draft
    url = f"/api/v1/posts/{draft.pk}/"
    assert as_officer.patch(url, {"body": "First edit.", "version": draft.version}, format="json").status_code == 200
    body = assert_error(as_officer.patch(url, {"body": "Second edit.", "version": draft.version}, format="json"), 409)
    assert body["current"] == {"version": draft.version + 1, "status": "draft"}
    assert Post.objects.get(pk=draft.pk).body == "First edit."


def test_it_lets_exactly_one_of_two_supervisors_decide(world, as_supervisor):
    """Both saw the same version; the first approval wins and the late rejection changes nothing."""
    post = world.in_review
    other = world.second_supervisor
    from tests.api.conftest import token_client

    as_other = token_client(other)
    approve = as_supervisor.post(f"/api/v1/posts/{post.pk}/approve/", {"version": post.version}, format="json")
    assert approve.status_code == 200
    late = as_other.post(f"/api/v1/posts/{post.pk}/reject/", {"reason": "No.", "version": post.version}, format="json")
    body = assert_error(late, 409)
    assert body["current"]["status"] == "published"
    assert "Someone else acted on this post first" in body["detail"]
    assert not PostEvent.objects.filter(post=post, to_status="rejected").exists()


def test_it_refuses_a_supervisor_approving_their_own_post(world, supervisor, as_supervisor):
    own = post_services.post_draft_update(acting_user=supervisor, incident=world.incident, body="We are on it.")
    post_services.post_submit(acting_user=supervisor, post=own)
    body = assert_error(as_supervisor.post(f"/api/v1/posts/{own.pk}/approve/", {}, format="json"), 403)
    assert "another supervisor must review it" in body["detail"]


def test_it_needs_a_reason_to_send_back_or_reject(world, as_supervisor):
    for action in ("request-changes", "reject"):
        body = assert_error(
            as_supervisor.post(f"/api/v1/posts/{world.in_review.pk}/{action}/", {"reason": ""}, format="json"),
            400,
            field="reason",
        )
        assert body["errors"]["reason"] == ["Give a reason; the author will see it."]


def test_it_refuses_a_publishing_time_in_the_past(world, as_supervisor):
    response = as_supervisor.post(
        f"/api/v1/posts/{world.in_review.pk}/approve/", {"publish_at": "2001-01-01T00:00:00Z"}, format="json"
    )
    assert_error(response, 400, field="publish_at")


def test_it_schedules_an_approved_post(world, as_supervisor):
    response = as_supervisor.post(
        f"/api/v1/posts/{world.in_review.pk}/approve/", {"publish_at": "2999-01-01T09:00:00Z"}, format="json"
    )
    assert response.json()["status"] == "approved" and response.json()["publish_at"].startswith("2999-01-01")


def test_it_refuses_to_hold_twice_or_release_when_not_held(world, as_supervisor):
    url = "/api/v1/precincts/precinct-a/hold/"
    assert assert_error(as_supervisor.delete(url), 400)["detail"] == "Publishing is not on hold."
    assert as_supervisor.post(url, {"reason": "Storm."}, format="json").status_code == 200
    assert assert_error(as_supervisor.post(url, {"reason": "Again."}, format="json"), 400)["detail"].startswith(
        "Publishing is already on hold"
    )
    assert_error(as_supervisor.post(url, {}, format="json"), 400, field="reason")


def test_it_lists_a_precincts_staff_for_assigning(officer, supervisor, as_officer):
    staff = as_officer.get("/api/v1/precincts/precinct-a/staff/").json()["results"]
    assert [(m["user"]["id"], m["role"]) for m in staff] == [(officer.pk, "officer"), (supervisor.pk, "supervisor")]


def test_it_keeps_the_draft_checker_contract(incident, as_officer):
    response = as_officer.post(
        "/api/v1/posts/check/", {"text": "Maria Gonzalez called.", "incident": incident.pk}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"ok", "lengths", "grade", "findings"} and data["ok"] is False
    assert set(data["findings"][0]) == {"code", "severity", "start", "end", "message", "suggestion"}
    assert_error(as_officer.post("/api/v1/posts/check/", {"text": "x", "incident": 999999}, format="json"), 404)
