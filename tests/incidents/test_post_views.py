"""The desk's post pages over HTTP: the editor, review, the review queue, alerts and publishing holds."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Outcome, Post, PostEvent, PostKind, PostStatus, Status
from incidents.services import Change, followup_add, incident_create
from incidents.services import posts as services
from precincts.models import Membership, Precinct
from tests.conftest import login
from tests.factories import MembershipFactory, PrecinctFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/desk/posts/"
REVIEW = "/desk/review/"
BULK = "/desk/review/approve/"
ALERT = "/desk/alerts/new/"
HOLD_A = "/desk/precincts/precinct-a/hold/"
# What the conftest `incident` keeps private, as a page would print it.
PRIVATE_VALUES = [
    "Maria Gonzalez",
    "(212) 555-0142",
    "maria.gonzalez@example.org",
    "234 Main St, Apt 3",
    "Caller says the party",
    "Dmitri Volkov",
]
LEAKY = "Call the owner at 212-555-0199 to collect the bike."


# --- helpers ---------------------------------------------------------------


def page_of(post) -> str:
    return f"/desk/posts/{post.pk}/"


def new_update_url(incident) -> str:
    return f"/desk/incidents/{incident.reference}/posts/new/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


def counts() -> dict:
    return {
        "posts": list(Post.objects.order_by("pk").values()),
        "events": PostEvent.objects.count(),
        "holds": list(Precinct.objects.order_by("pk").values_list("hold_at", flat=True)),
    }


def client_for(user) -> Client:
    return login(Client(), user)


def closed_draft(author, precinct, category, *, location="200 block of Main St", **private):
    """A report logged and closed as fixed by `author`; returns the draft that closing made."""
    report = incident_create(
        acting_user=author,
        precinct=precinct,
        category=category,
        public_summary="Loud music from a party late at night",
        public_location=location,
        **private,
    )
    entry = followup_add(
        acting_user=author,
        incident=report,
        expected_version=report.version,
        change=Change(to_status=Status.RESOLVED, outcome=Outcome.FIXED),
    )
    return entry.drafted_post


def submitted(author, precinct, category, **kwargs) -> Post:
    return services.post_submit(acting_user=author, post=closed_draft(author, precinct, category, **kwargs))


def review(client, post, decision, *, reason="", version=None, publish_at=""):
    return client.post(
        page_of(post),
        {
            "action": "review",
            "decision": decision,
            "reason": reason,
            "publish_at": publish_at,
            "version": version or fresh(post).version,
        },
    )


def edit(client, post, action, body, *, version=None):
    return client.post(page_of(post), {"action": action, "body": body, "version": version or fresh(post).version})


def editor_text(response) -> str:
    """What the post editor's text box holds."""
    match = re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', response.content.decode(), re.DOTALL)
    return html.unescape(match.group(1)) if match else None


def listed_posts(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="post-(\d+)-title"', response.content.decode())]


@pytest.fixture
def second_supervisor(precinct_a):
    return MembershipFactory(
        user=UserFactory(username="second_supervisor"), precinct=precinct_a, role=Membership.Role.SUPERVISOR
    ).user


@pytest.fixture
def draft(incident, officer):
    return followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status=Status.RESOLVED, outcome=Outcome.FIXED),
    ).drafted_post


@pytest.fixture
def in_review(draft, officer):
    return services.post_submit(acting_user=officer, post=draft)


@pytest.fixture
def scheduled(in_review, supervisor):
    return services.post_approve(
        acting_user=supervisor, post=in_review, publish_at=timezone.now() + timedelta(hours=2)
    )


@pytest.fixture
def published(in_review, supervisor):
    return services.post_approve(acting_user=supervisor, post=in_review)


@pytest.fixture
def alert(supervisor, precinct_a):
    return services.post_create_alert(
        acting_user=supervisor, precinct=precinct_a, body="Water main break on Main St. Use 5th Ave.", publish_now=True
    )


@pytest.fixture
def elsewhere(outsider, precinct_b, category):
    """A post in review in precinct B, which precinct A's staff must never see."""
    officer_b = MembershipFactory(
        user=UserFactory(username="officer_b"), precinct=precinct_b, role=Membership.Role.OFFICER
    ).user
    return submitted(officer_b, precinct_b, category, location="Precinct B block")


# --- who may see what ----------------------------------------------------------


def anonymous_urls(post, incident):
    return [
        ("get", LIST),
        ("get", page_of(post)),
        ("post", page_of(post)),
        ("get", new_update_url(incident)),
        ("post", new_update_url(incident)),
        ("get", ALERT),
        ("post", ALERT),
        ("get", REVIEW),
        ("post", BULK),
        ("get", HOLD_A),
        ("post", HOLD_A),
    ]


def test_it_sends_anonymous_visitors_to_sign_in(client, in_review, incident):
    before = counts()
    for method, url in anonymous_urls(in_review, incident):
        response = getattr(client, method)(url, {"action": "submit", "body": "x", "reason": "x"})
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/accounts/login/?next="), (method, url)
    assert counts() == before


@pytest.mark.parametrize(
    "data",
    [
        {"action": "check", "body": "Anything."},
        {"action": "save", "body": "Outsider text."},
        {"action": "submit", "body": "Outsider text."},
        {"action": "review", "decision": "approve"},
        {"action": "review", "decision": "reject", "reason": "No."},
        {"action": "retract", "reason": "No."},
        {"action": "after_review"},
    ],
)
def test_it_hides_another_precincts_post(outsider_client, in_review, data):
    before = counts()
    assert outsider_client.get(page_of(in_review)).status_code == 404
    assert outsider_client.post(page_of(in_review), {**data, "version": in_review.version}).status_code == 404
    assert counts() == before


def test_it_hides_another_precincts_report_from_the_update_editor(outsider_client, incident):
    before = counts()
    assert outsider_client.get(new_update_url(incident)).status_code == 404
    assert outsider_client.post(new_update_url(incident), {"body": "Outsider text."}).status_code == 404
    assert counts() == before


def test_it_hides_another_precincts_hold_page(outsider_client, precinct_a):
    before = counts()
    assert outsider_client.get(HOLD_A).status_code == 404
    assert outsider_client.post(HOLD_A, {"action": "hold", "reason": "Outsider."}).status_code == 404
    assert outsider_client.post(HOLD_A, {"action": "release"}).status_code == 404
    assert counts() == before


def test_it_lists_no_post_of_another_precinct(outsider_client, in_review, published):
    for url in (LIST, LIST + "?mine=off", REVIEW):
        response = outsider_client.get(url)
        assert response.status_code == 200
        assert page_of(in_review) not in response.content.decode()
        assert in_review.body not in text(response)


def test_it_never_approves_another_precincts_post_in_bulk(outsider_client, in_review):
    before = counts()
    response = outsider_client.post(BULK, {"posts": [in_review.pk]})
    assert response.status_code in (302, 404)
    assert counts() == before


def test_it_lets_no_supervisor_write_an_alert_for_another_precinct(outsider_client, precinct_a):
    response = outsider_client.post(ALERT, {"precinct": precinct_a.pk, "body": "Road closed.", "publish_now": "on"})
    assert response.status_code == 400
    assert not Post.objects.exists()


@pytest.mark.parametrize("url", [LIST, REVIEW, ALERT])
def test_it_shows_nothing_to_a_user_of_no_precinct(url):
    client = client_for(UserFactory(username="nobody"))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"action": "review", "decision": "approve"},
        {"action": "review", "decision": "request_changes", "reason": "Shorter."},
        {"action": "review", "decision": "reject", "reason": "No."},
    ],
)
def test_it_refuses_a_review_by_an_officer(officer_client, in_review, data):
    before = counts()
    response = officer_client.post(page_of(in_review), {**data, "version": in_review.version})
    assert response.status_code == 403
    assert counts() == before


def test_it_refuses_a_retraction_by_an_officer(officer_client, published):
    before = counts()
    assert officer_client.post(page_of(published), {"action": "retract", "reason": "Mine."}).status_code == 403
    assert counts() == before


def test_it_refuses_an_after_review_by_an_officer(officer_client, alert):
    before = counts()
    assert officer_client.post(page_of(alert), {"action": "after_review"}).status_code == 403
    assert counts() == before


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", REVIEW, {}),
        ("post", BULK, {}),
        ("get", ALERT, {}),
        ("post", ALERT, {"body": "Road closed.", "publish_now": "on"}),
        ("get", HOLD_A, {}),
        ("post", HOLD_A, {"action": "hold", "reason": "Storm."}),
        ("post", HOLD_A, {"action": "release"}),
    ],
)
def test_it_keeps_officers_off_supervisor_pages(officer_client, in_review, precinct_a, method, url, data):
    if url == BULK:
        data = {"posts": [in_review.pk]}
    if url == ALERT and method == "post":
        data = {**data, "precinct": precinct_a.pk}
    before = counts()
    assert getattr(officer_client, method)(url, data).status_code == 403
    assert counts() == before


# --- the post list -----------------------------------------------------------------


def test_it_lists_an_officers_own_posts(officer_client, in_review, alert):
    response = officer_client.get(LIST)
    assert response.status_code == 200
    assert page_of(in_review) in response.content.decode()
    # Officers see their own posts unless they ask for everyone's.
    assert page_of(alert) not in response.content.decode()
    assert page_of(alert) in officer_client.get(LIST + "?mine=off").content.decode()


def test_it_lists_the_precincts_posts_for_a_supervisor_by_status(supervisor_client, in_review, alert):
    everyone = supervisor_client.get(LIST).content.decode()
    assert page_of(in_review) in everyone
    assert page_of(alert) in everyone
    in_review_only = supervisor_client.get(LIST + "?status=in_review").content.decode()
    assert page_of(in_review) in in_review_only
    assert page_of(alert) not in in_review_only


# --- the editor ---------------------------------------------------------------------


def test_it_shows_a_post_with_its_history(officer_client, draft, incident):
    response = officer_client.get(page_of(draft))
    assert response.status_code == 200
    page = text(response)
    assert draft.body in page
    assert "Drafted from the template" in page
    assert incident.reference in page
    assert 'value="submit"' in page
    for value in PRIVATE_VALUES:
        assert value not in page


def test_it_shows_the_checkers_findings_after_a_plain_form_submit(officer_client, draft):
    before = counts()
    response = edit(officer_client, draft, "check", LEAKY)

    assert response.status_code == 200
    page = text(response)
    assert "Must fix" in page
    assert "<mark>212-555-0199</mark>" in page
    assert "This looks like a phone number." in page
    # The typed text stays in the editor; nothing is saved.
    assert editor_text(response) == LEAKY
    assert counts() == before


def test_it_flags_the_reports_private_details_in_the_editor(officer_client, draft):
    page = text(edit(officer_client, draft, "check", "Thanks to Maria Gonzalez for calling."))
    assert "Must fix" in page
    assert "<mark>Maria Gonzalez</mark>" in page


def test_it_saves_the_authors_edit(officer_client, draft):
    response = edit(officer_client, draft, "save", "The noise on Main St has stopped.")

    assert response.status_code == 302
    assert response["Location"] == page_of(draft)
    assert fresh(draft).body == "The noise on Main St has stopped."
    assert "Saved." in text(officer_client.get(page_of(draft)))


@pytest.mark.parametrize("action", ["save", "submit"])
def test_it_refuses_an_edit_by_someone_else(supervisor_client, draft, action):
    before = counts()
    response = edit(supervisor_client, draft, action, "A supervisor rewrote it.")
    assert counts() == before
    assert response.status_code in (400, 403)
    assert "Only the author can edit" in text(response)


def test_it_submits_a_draft_and_tells_the_supervisors(
    officer_client, draft, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(officer_client, draft, "submit", draft.body)

    assert response.status_code == 302
    assert fresh(draft).status == PostStatus.IN_REVIEW
    assert [m.to for m in mailoutbox] == [[supervisor.email]]


def test_it_refuses_to_submit_a_draft_with_a_blocking_finding(officer_client, draft):
    response = edit(officer_client, draft, "submit", LEAKY)

    assert response.status_code == 400
    page = text(response)
    assert "cannot be submitted" in page
    assert "Must fix" in page
    assert fresh(draft).status == PostStatus.DRAFT


def test_it_lets_the_author_fix_a_refused_submission_from_the_same_page(officer_client, draft):
    refused = edit(officer_client, draft, "submit", LEAKY)
    assert refused.status_code == 400
    shown_version = int(re.search(r'name="version" value="(\d+)"', refused.content.decode()).group(1))

    response = edit(officer_client, draft, "submit", "Officers returned the bike to its owner.", version=shown_version)

    assert response.status_code == 302
    assert fresh(draft).status == PostStatus.IN_REVIEW


def test_it_keeps_the_typed_text_when_someone_else_acted_first(officer_client, supervisor, in_review):
    stale = in_review.version
    assert officer_client.get(page_of(in_review)).status_code == 200
    # Meanwhile a supervisor sends it back.
    services.post_request_changes(acting_user=supervisor, post=in_review, reason="Say when it stopped.")
    before = counts()

    response = edit(officer_client, in_review, "save", "The music stopped at 11 pm.", version=stale)

    assert response.status_code == 409
    page = text(response)
    assert "Someone else acted on this post first: it is now changes requested." in page
    assert editor_text(response) == "The music stopped at 11 pm."
    # The form now carries the current version, so saving again works.
    assert f'name="version" value="{fresh(in_review).version}"' in response.content.decode()
    assert counts() == before


def test_it_sends_a_post_edited_after_approval_back_to_review(officer_client, scheduled):
    response = edit(officer_client, scheduled, "save", scheduled.body + " Call 311 if it starts again.")

    assert response.status_code == 302
    assert fresh(scheduled).status == PostStatus.IN_REVIEW
    page = text(officer_client.get(page_of(scheduled)))
    assert "Saved; the post is back in review." in page
    assert '<span class="desk-status post-status--in_review">In review</span>' in page
    assert "Edited after approval, so it goes back to review." in page


# --- review on the post page ----------------------------------------------------------


def test_it_publishes_a_post_a_supervisor_approves(supervisor_client, supervisor, in_review):
    page = text(supervisor_client.get(page_of(in_review)))
    assert 'value="approve"' in page

    response = review(supervisor_client, in_review, "approve")

    assert response.status_code == 302
    post = fresh(in_review)
    assert post.status == PostStatus.PUBLISHED
    assert post.reviewer == supervisor
    assert "Approved and published." in text(supervisor_client.get(page_of(post)))


def test_it_schedules_a_post_for_later(supervisor_client, in_review):
    when = timezone.localtime() + timedelta(days=1)
    response = review(supervisor_client, in_review, "approve", publish_at=when.strftime("%Y-%m-%dT%H:%M"))

    assert response.status_code == 302
    post = fresh(in_review)
    assert post.status == PostStatus.APPROVED
    assert post.publish_at > timezone.now()


def test_it_answers_403_to_approving_your_own_post(supervisor_client, supervisor, precinct_a, category):
    own = submitted(supervisor, precinct_a, category)
    assert 'value="approve"' not in supervisor_client.get(page_of(own)).content.decode()
    before = counts()

    assert review(supervisor_client, own, "approve").status_code == 403
    assert counts() == before


@pytest.mark.parametrize(
    ("decision", "to_status"),
    [("request_changes", PostStatus.CHANGES_REQUESTED), ("reject", PostStatus.REJECTED)],
)
def test_it_sends_a_post_back_with_a_reason(
    supervisor, officer, in_review, decision, to_status, mailoutbox, django_capture_on_commit_callbacks
):
    supervisor_client, officer_client = client_for(supervisor), client_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = review(supervisor_client, in_review, decision, reason="Say which block.")

    assert response.status_code == 302
    assert fresh(in_review).status == to_status
    assert "Say which block." in text(officer_client.get(page_of(in_review)))
    assert [m.to for m in mailoutbox] == [[officer.email]]


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_it_needs_a_reason_to_send_a_post_back(supervisor_client, in_review, decision):
    before = counts()
    response = review(supervisor_client, in_review, decision, reason="  ")
    assert response.status_code == 400
    assert "Give a reason; the author will see it." in text(response)
    assert counts() == before


def test_it_tells_the_second_supervisor_who_acted_first(supervisor_client, second_supervisor, in_review):
    stale = in_review.version
    services.post_reject(acting_user=second_supervisor, post=in_review, reason="Duplicate post.")
    before = counts()

    response = review(supervisor_client, in_review, "approve", version=stale)

    assert response.status_code == 302
    assert counts() == before
    assert "it is now rejected" in text(supervisor_client.get(page_of(in_review)))


def test_it_retracts_a_published_post(supervisor_client, published):
    response = supervisor_client.post(page_of(published), {"action": "retract", "reason": "Wrong block."})

    assert response.status_code == 302
    post = fresh(published)
    assert (post.status, post.retraction_reason) == (PostStatus.RETRACTED, "Wrong block.")
    assert "Withdrawn" in text(supervisor_client.get(page_of(post)))


def test_it_needs_a_public_reason_to_retract(supervisor_client, published):
    before = counts()
    response = supervisor_client.post(page_of(published), {"action": "retract", "reason": ""})
    assert response.status_code == 400
    assert counts() == before


def test_it_lets_a_second_supervisor_review_an_urgent_alert(supervisor_client, second_supervisor, alert):
    # The author cannot review their own alert after the fact.
    assert supervisor_client.post(page_of(alert), {"action": "after_review"}).status_code == 403

    response = client_for(second_supervisor).post(page_of(alert), {"action": "after_review"})

    assert response.status_code == 302
    post = fresh(alert)
    assert post.needs_after_review is False
    assert post.after_reviewed_by == second_supervisor


# --- new updates and alerts -------------------------------------------------------------


def test_it_drafts_an_update_on_a_report(officer_client, officer, incident):
    assert officer_client.get(new_update_url(incident)).status_code == 200

    response = officer_client.post(new_update_url(incident), {"body": "Officers are still looking into it."})

    post = Post.objects.get(kind=PostKind.UPDATE)
    assert response.status_code == 302
    assert response["Location"] == page_of(post)
    assert (post.incident, post.author, post.status) == (incident, officer, PostStatus.DRAFT)


def test_it_shows_the_checkers_findings_for_a_new_update(officer_client, incident):
    response = officer_client.post(new_update_url(incident), {"body": ""})
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_it_publishes_an_urgent_alert_at_once(supervisor_client, supervisor, precinct_a):
    assert supervisor_client.get(ALERT).status_code == 200

    response = supervisor_client.post(
        ALERT, {"precinct": precinct_a.pk, "body": "Water main break on Main St. Use 5th Ave.", "publish_now": "on"}
    )

    post = Post.objects.get()
    assert response.status_code == 302
    assert (post.kind, post.status, post.needs_after_review) == (PostKind.ALERT, PostStatus.PUBLISHED, True)
    assert "waiting for a second supervisor" in text(supervisor_client.get(page_of(post)))


def test_it_saves_an_alert_as_a_draft(supervisor_client, precinct_a):
    response = supervisor_client.post(ALERT, {"precinct": precinct_a.pk, "body": "Street fair on Saturday."})
    assert response.status_code == 302
    assert Post.objects.get().status == PostStatus.DRAFT


def test_it_refuses_an_alert_with_a_phone_number(supervisor_client, precinct_a):
    response = supervisor_client.post(ALERT, {"precinct": precinct_a.pk, "body": LEAKY, "publish_now": "on"})
    assert response.status_code == 400
    assert "Must fix" in text(response)
    assert not Post.objects.exists()


# --- the review queue -----------------------------------------------------------------------


def test_it_queues_only_posts_in_review_of_precincts_the_user_supervises(
    supervisor, supervisor_client, officer, precinct_a, category, draft, published, elsewhere
):
    # The supervisor is only an officer in a third precinct: its posts are not theirs to review.
    precinct_c = PrecinctFactory(name="Precinct C", slug="precinct-c", code="PC")
    MembershipFactory(user=supervisor, precinct=precinct_c, role=Membership.Role.OFFICER)
    colleague = MembershipFactory(user=UserFactory(username="officer_c"), precinct=precinct_c).user
    third = submitted(colleague, precinct_c, category)
    older = submitted(officer, precinct_a, category, location="100 block of Elm St")
    newer = submitted(officer, precinct_a, category, location="300 block of Oak Ave")
    Post.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    Post.objects.filter(pk=newer.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    response = supervisor_client.get(REVIEW)

    assert response.status_code == 200
    assert listed_posts(response) == [older.pk, newer.pk]
    for other in (draft, published, elsewhere, third):
        assert page_of(other) not in response.content.decode()


def test_it_shows_the_reports_public_facts_and_never_its_private_ones(supervisor_client, in_review, incident):
    page = text(supervisor_client.get(REVIEW))

    assert incident.reference in page
    assert "Noise" in page
    assert "200 block of Main St" in page
    assert in_review.body in page
    for value in PRIVATE_VALUES:
        assert value not in page


def test_it_shows_what_the_author_changed_since_changes_were_requested(supervisor, officer, in_review):
    supervisor_client, officer_client = client_for(supervisor), client_for(officer)
    old_body = in_review.body
    assert review(supervisor_client, in_review, "request_changes", reason="Say when it stopped.").status_code == 302
    new_body = old_body.replace("Thank you for telling us.", "It stopped before midnight.")
    assert new_body != old_body
    assert edit(officer_client, in_review, "submit", new_body).status_code == 302

    page = supervisor_client.get(REVIEW).content.decode()

    assert "Changes since a supervisor last saw it" in page
    assert re.search(r"<ins>[^<]*midnight[^<]*</ins>", page)
    assert re.search(r"<del>[^<]*telling[^<]*</del>", page)


def test_it_shows_what_the_author_changed_after_approval(supervisor, officer, scheduled):
    old_body = scheduled.body
    new_body = old_body.replace("Thank you for telling us.", "It stopped before midnight.")
    response = edit(client_for(officer), scheduled, "save", new_body)
    assert response.status_code == 302
    assert fresh(scheduled).status == PostStatus.IN_REVIEW

    page = client_for(supervisor).get(REVIEW).content.decode()

    assert "Changes since a supervisor last saw it" in page
    assert re.search(r"<ins>[^<]*midnight[^<]*</ins>", page)
    assert re.search(r"<del>[^<]*telling[^<]*</del>", page)


def test_it_shows_no_diff_for_a_first_review(supervisor_client, in_review):
    page = supervisor_client.get(REVIEW).content.decode()
    assert "<ins>" not in page
    assert "<del>" not in page


def test_it_lets_a_supervisor_approve_several_posts_at_once_but_not_their_own(
    supervisor, supervisor_client, officer, precinct_a, category
):
    first = submitted(officer, precinct_a, category)
    second = submitted(officer, precinct_a, category)
    untouched = submitted(officer, precinct_a, category)
    own = submitted(supervisor, precinct_a, category)
    page = supervisor_client.get(REVIEW).content.decode()
    assert f'name="posts" value="{own.pk}"' not in page
    assert f'name="posts" value="{first.pk}"' in page

    response = supervisor_client.post(BULK, {"posts": [first.pk, second.pk, own.pk]})

    assert response.status_code == 302
    assert response["Location"] == REVIEW
    assert [fresh(p).status for p in (first, second, untouched, own)] == [
        PostStatus.PUBLISHED,
        PostStatus.PUBLISHED,
        PostStatus.IN_REVIEW,
        PostStatus.IN_REVIEW,
    ]
    after = text(supervisor_client.get(REVIEW))
    assert "Approved 2 posts." in after
    assert f"Post {own.pk}: You wrote this post" in after


def test_it_asks_to_choose_a_post_for_bulk_approval(supervisor_client, in_review):
    response = supervisor_client.post(BULK, {})
    assert response.status_code == 302
    assert "Choose at least one post" in text(supervisor_client.get(REVIEW))
    assert fresh(in_review).status == PostStatus.IN_REVIEW


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REVIEW)
    assert response.status_code == 200
    return len(queries)


def test_it_reads_the_review_queue_in_a_fixed_number_of_queries(
    supervisor_client, supervisor, officer, precinct_a, category
):
    posts = [submitted(officer, precinct_a, category) for _ in range(2)]
    services.post_request_changes(acting_user=supervisor, post=posts[0], reason="Shorter.")
    services.post_edit(
        acting_user=officer, post=posts[0], body="The noise stopped.", expected_version=fresh(posts[0]).version
    )
    services.post_submit(acting_user=officer, post=posts[0])
    few = _queue_queries(supervisor_client)

    posts += [submitted(officer, precinct_a, category) for _ in range(18)]
    many = _queue_queries(supervisor_client)

    assert len(listed_posts(supervisor_client.get(REVIEW))) == 20
    assert many == few


# --- publishing holds ---------------------------------------------------------------------


def test_it_holds_and_releases_a_precincts_publishing(
    supervisor_client, supervisor, precinct_a, in_review, django_capture_on_commit_callbacks
):
    assert supervisor_client.get(HOLD_A).status_code == 200

    response = supervisor_client.post(HOLD_A, {"action": "hold", "reason": "Major incident under way."})

    assert response.status_code == 302
    precinct_a.refresh_from_db()
    assert precinct_a.is_held
    assert "Major incident under way." in text(supervisor_client.get(HOLD_A))
    # An approval while held waits.
    services.post_approve(acting_user=supervisor, post=in_review)
    assert fresh(in_review).status == PostStatus.APPROVED
    assert "(publishing on hold)" in text(supervisor_client.get(page_of(in_review)))

    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(HOLD_A, {"action": "release"})

    assert response.status_code == 302
    precinct_a.refresh_from_db()
    assert not precinct_a.is_held
    assert fresh(in_review).status == PostStatus.PUBLISHED


def test_it_needs_a_reason_for_a_hold(supervisor_client, precinct_a):
    response = supervisor_client.post(HOLD_A, {"action": "hold", "reason": ""})
    assert response.status_code == 400
    precinct_a.refresh_from_db()
    assert not precinct_a.is_held
