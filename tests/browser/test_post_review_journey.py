"""A resolved report's drafted post, from the officer's phone to the public record,
through the live checker and two supervisors (four eyes)."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from incidents.models import Post, PostStatus
from incidents.services import Change, followup_add
from incidents.services import posts as post_services
from precincts.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE_NUMBER = "212-555-0188"
CHECK_API = "/api/v1/posts/check/"


def counts(page) -> list[str]:
    return page.locator("[data-post-check] .post-check__counts li").all_inner_texts()


def findings(page) -> list[str]:
    """Each finding as a reader sees it, whitespace collapsed."""
    return [
        " ".join(text.split()) for text in page.locator("[data-post-check] .post-check__finding").all_inner_texts()
    ]


def x_count(page):
    return page.locator("[data-post-check] .post-check__counts li", has_text=re.compile(r"^X:")).locator("strong")


def test_a_drafted_post_goes_from_the_officer_through_review_to_the_public(
    phone_page, desktop_page, new_page, officer, supervisor, precinct_a, incident, password
):
    # The officer closes the report on a phone and lands on the post it drafted.
    page = phone_page
    sign_in(page, officer.username, password)
    page.wait_for_url("**/desk/")
    page.goto(f"/desk/incidents/{incident.reference}/")
    page.get_by_label("Change status").select_option(label="Resolved")
    page.get_by_label("Outcome (when closing)").select_option(label="Warning given")
    page.get_by_label("Public note (shown on the report's public page)").fill("Officers asked the host to stop.")
    page.get_by_role("button", name="Record follow-up").click()
    page.get_by_text("A public post was drafted for you").wait_for()
    page.wait_for_load_state()  # the editor's script is deferred: typing before it runs checks nothing
    post = Post.objects.get(incident=incident)
    assert urlsplit(page.url).path == f"/desk/posts/{post.pk}/"
    assert post.status == PostStatus.DRAFT and post.author == officer
    editor = page.get_by_label("Post text")
    draft = editor.input_value()
    assert draft == post.body and "200 block of Main St" in draft
    expect(x_count(page)).to_have_text(str(len(draft)))

    # As they type, the live checker counts the text (JavaScript asks the check API) ...
    editor.focus()
    page.keyboard.press("Control+End")
    with page.expect_response(lambda r: CHECK_API in r.url and r.request.method == "POST") as checked:
        page.keyboard.type(" Questions?")
    assert checked.value.ok
    expect(x_count(page)).to_have_text(str(len(draft + " Questions?")))
    assert page.locator(".post-check__finding--block").count() == 0

    # ... and flags the phone number they type as something they must fix.
    page.keyboard.type(f" Call {PHONE_NUMBER}.")
    typed = f"{draft} Questions? Call {PHONE_NUMBER}."
    blocking = page.locator("[data-post-check] .post-check__finding--block")
    expect(blocking).to_have_count(1)
    expect(blocking).to_contain_text("Must fix")
    expect(blocking.locator("mark")).to_have_text(PHONE_NUMBER)
    expect(x_count(page)).to_have_text(str(len(typed)))
    assert editor.input_value() == typed

    # They take the number out: the findings clear, and the post goes to review.
    fixed = f"{draft} Questions? Call the precinct's front desk."
    editor.fill(fixed)
    expect(page.locator("[data-post-check] .post-check__ok")).to_have_text("No problems found.")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted for review. Supervisors have been told.").wait_for()
    post.refresh_from_db()
    assert (post.status, post.body) == (PostStatus.IN_REVIEW, fixed)

    # Supervisor A, at a desk, finds it in the queue with the report's public facts.
    review = desktop_page
    sign_in(review, supervisor.username, password)
    review.wait_for_url("**/desk/")
    review.goto("/desk/review/")
    card = review.locator("article.review-item", has=review.get_by_role("heading", name=f"post {post.pk}"))
    expect(card).to_contain_text(fixed)
    facts = card.locator("p", has_text=f"Report {incident.reference}")
    expect(facts).to_contain_text("Noise")
    expect(facts).to_contain_text("200 block of Main St")
    expect(facts).to_contain_text("Resolved (Warning given)")
    for private in ("Maria Gonzalez", "555-0142", "234 Main St", "Dmitri Volkov"):
        expect(card).not_to_contain_text(private)

    reason = "Say what happened in plain words: who was warned is not needed, what they did is."
    card.get_by_role("link", name="Review", exact=True).click()
    review.get_by_label("Reason (required to request changes or reject; the author sees it)").fill(reason)
    review.get_by_role("button", name="Request changes").click()
    review.get_by_text("Changes requested from the author.").wait_for()
    post.refresh_from_db()
    assert (post.status, post.review_comment, post.reviewer) == (PostStatus.CHANGES_REQUESTED, reason, supervisor)

    # The officer sees why, revises and resubmits.
    page.goto(f"/desk/posts/{post.pk}/")
    expect(page.get_by_role("status").filter(has_text=reason)).to_contain_text(supervisor.get_full_name())
    revised = (
        "A resident told us about loud music on the 200 block of Main St. "
        "Officers went there and asked the host to turn it down. The music stopped."
    )
    page.get_by_label("Post text").fill(revised)
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted for review. Supervisors have been told.").wait_for()
    post.refresh_from_db()
    assert (post.status, post.body) == (PostStatus.IN_REVIEW, revised)

    # A second supervisor of precinct A approves it.
    second = MembershipFactory(
        user=UserFactory(username="supervisor2"), precinct=precinct_a, role=Membership.Role.SUPERVISOR
    ).user
    approver = new_page("desktop")
    sign_in(approver, second.username, password)
    approver.wait_for_url("**/desk/")
    approver.goto("/desk/review/")
    card = approver.locator("article.review-item", has=approver.get_by_role("heading", name=f"post {post.pk}"))
    expect(card).to_contain_text(revised)
    card.get_by_role("link", name="Review", exact=True).click()
    approver.get_by_role("button", name="Approve").click()
    approver.get_by_text("Approved and published.").wait_for()

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.reviewer == second and post.published_at is not None
    assert list(post.events.order_by("created_at", "id").values_list("to_status", flat=True)) == [
        PostStatus.DRAFT,  # drafted when the report was closed
        PostStatus.DRAFT,  # the officer's fix, saved as it was submitted
        PostStatus.IN_REVIEW,
        PostStatus.CHANGES_REQUESTED,
        PostStatus.CHANGES_REQUESTED,  # the revision, saved as it was resubmitted
        PostStatus.IN_REVIEW,
        PostStatus.APPROVED,
        PostStatus.PUBLISHED,
    ]

    # Anyone can read it at its permalink.
    resident = new_page("phone")
    response = resident.goto(f"/posts/{post.pk}/")
    assert response.status == 200
    expect(resident.locator(".public-post__body")).to_have_text(revised)
    expect(resident.get_by_role("link", name=re.compile(f"Report {incident.reference}"))).to_be_visible()


def test_without_javascript_check_text_shows_the_same_findings(new_page, shared_page, officer, incident):
    entry = followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="warning"),
    )
    post = entry.drafted_post
    typed = f"{post.body} Questions? Call {PHONE_NUMBER}. At 23:00 the music was stopped by officers."

    # No JavaScript: the "Check text" button sends the form and the page shows the findings.
    page = new_page("phone", user=officer, java_script_enabled=False)
    page.goto(f"/desk/posts/{post.pk}/")
    page.get_by_label("Post text").fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Check text").click()
    assert page.get_by_label("Post text").input_value() == typed
    no_script = findings(page)
    assert any(f.startswith(f"Must fix: “{PHONE_NUMBER}”") for f in no_script), no_script
    no_script_counts = counts(page)
    post.refresh_from_db()
    assert post.body != typed and post.status == PostStatus.DRAFT  # checking saves nothing

    # With JavaScript, the live checker shows the same findings and counts for the same text.
    live = shared_page("phone", user=officer)
    live.goto(f"/desk/posts/{post.pk}/")
    live.get_by_label("Post text").fill(typed)
    expect(live.locator("[data-post-check] .post-check__finding")).to_have_count(len(no_script))
    assert findings(live) == no_script
    assert counts(live) == no_script_counts


def test_the_review_queue_shows_what_the_author_changed_after_a_review(shared_page, officer, supervisor, incident):
    entry = followup_add(
        acting_user=officer,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="warning"),
    )
    post = post_services.post_submit(acting_user=officer, post=entry.drafted_post)
    post = post_services.post_request_changes(acting_user=supervisor, post=post, reason="Say what officers did.")
    # What the desk does when the author resubmits: save the revision, then submit it.
    post = post_services.post_edit(
        acting_user=officer,
        post=post,
        body=f"{post.body} Officers asked the host to stop.",
        expected_version=post.version,
    )
    post_services.post_submit(acting_user=officer, post=post)

    page = shared_page("desktop", user=supervisor)
    page.goto("/desk/review/")
    page.get_by_text("Changes since a supervisor last saw it").click()
    inserted = " ".join(page.locator(".review-diff ins").all_inner_texts())
    assert " ".join(inserted.split()) == "Officers asked the host to stop."
