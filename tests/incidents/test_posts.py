"""The post services: drafting on closing, review, publishing, holds, alerts, retraction and the event log."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from incidents import drafting
from incidents.models import Outcome, Post, PostEvent, PostKind, PostStatus, PostTemplate, Status
from incidents.services import Change, IncidentChanged, PostConflict, Refused, followup_add
from incidents.services import posts as services
from precincts.models import Membership
from tests.factories import CategoryFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# What the conftest `incident` keeps private.
PRIVATE_VALUES = [
    "Maria Gonzalez",
    "Gonzalez",
    "(212) 555-0142",
    "555-0142",
    "maria.gonzalez@example.org",
    "234 Main St",
    "Apt 3",
    "Dmitri Volkov",
    "Volkov",
    "Caller says",
]
CLOSINGS = {
    Status.RESOLVED: {"outcome": Outcome.FIXED},
    Status.REFERRED: {"referred_to": "the Department of Sanitation"},
    Status.NO_ACTION: {"outcome": Outcome.UNFOUNDED},
}
LEAKY = "Call Maria Gonzalez at 212-555-0142 about the noise."


# --- helpers ---------------------------------------------------------------


def close(incident, actor, to_status=Status.RESOLVED, **extra):
    fields = {**CLOSINGS.get(to_status, {}), **extra}
    return followup_add(
        acting_user=actor,
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status=to_status, internal_note="Closing it.", **fields),
    )


def fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


def snapshot(post) -> dict:
    """Everything a refused action must leave exactly as it was."""
    return {
        "row": Post.objects.filter(pk=post.pk).values().get(),
        "posts": Post.objects.count(),
        "events": PostEvent.objects.count(),
    }


def last_event(post) -> PostEvent:
    return PostEvent.objects.filter(post=post).order_by("created_at", "id").last()


def assert_event(event, *, post, from_status, to_status, actor, comment=None):
    current = fresh(post)
    assert (event.from_status, event.to_status) == (from_status, to_status)
    assert event.actor_id == (actor.pk if actor else None)
    assert event.body == current.body
    assert event.created_at is not None
    if comment is not None:
        assert comment in event.comment


def blocking(body, incident):
    return [f for f in services.check_post_body(body, incident).findings if f.severity == "block"]


@pytest.fixture
def second_supervisor(precinct_a):
    return MembershipFactory(
        user=UserFactory(username="second_supervisor"), precinct=precinct_a, role=Membership.Role.SUPERVISOR
    ).user


@pytest.fixture
def draft(incident, officer):
    """The resolution post that closing the conftest incident drafts, owned by the officer."""
    return close(incident, officer).drafted_post


@pytest.fixture
def in_review(draft, officer):
    return services.post_submit(acting_user=officer, post=draft)


@pytest.fixture
def scheduled(in_review, supervisor):
    """Approved to go out in two hours."""
    return services.post_approve(
        acting_user=supervisor, post=in_review, publish_at=timezone.now() + timedelta(hours=2)
    )


@pytest.fixture
def published(in_review, supervisor):
    return services.post_approve(acting_user=supervisor, post=in_review)


@pytest.fixture
def alert(supervisor, precinct_a):
    return services.post_create_alert(
        acting_user=supervisor,
        precinct=precinct_a,
        body="Water main break on Main St. Use 5th Ave instead until 6 pm.",
        publish_now=True,
    )


# --- drafting on closing ---------------------------------------------------


@pytest.mark.parametrize("to_status", [Status.RESOLVED, Status.REFERRED, Status.NO_ACTION])
def test_it_drafts_one_resolution_post_when_a_report_is_closed(incident, supervisor, to_status):
    # The supervisor closes a report the officer logged: the draft belongs to whoever closed it.
    entry = close(incident, supervisor, to_status)

    post = Post.objects.get()
    assert entry.drafted_post == post
    assert post.status == PostStatus.DRAFT
    assert post.kind == PostKind.RESOLUTION
    assert post.author == supervisor
    assert post.incident == incident
    assert post.precinct == incident.precinct
    assert post.category == incident.category
    assert post.body == drafting.draft_text(incident)
    assert_event(last_event(post), post=post, from_status="", to_status=PostStatus.DRAFT, actor=supervisor)


@pytest.mark.parametrize("to_status", [Status.RESOLVED, Status.REFERRED, Status.NO_ACTION])
def test_it_keeps_every_private_detail_out_of_the_draft(incident, officer, to_status):
    assert not PostTemplate.objects.exists()  # the built-in fallback text
    post = close(incident, officer, to_status).drafted_post

    for value in PRIVATE_VALUES:
        assert value.lower() not in post.body.lower()
    assert blocking(post.body, incident) == []
    assert "200 block of Main St" in post.body


def test_it_keeps_private_details_out_of_drafts_from_the_shipped_templates(incident, officer):
    from incidents.post_templates import seed_post_templates

    seed_post_templates()
    post = close(incident, officer, Status.REFERRED).drafted_post

    for value in PRIVATE_VALUES:
        assert value.lower() not in post.body.lower()
    assert "the Department of Sanitation" in post.body
    assert blocking(post.body, incident) == []


def test_it_prefers_the_category_template_over_the_default(incident, officer, category):
    PostTemplate.objects.create(category=None, outcome=Outcome.FIXED, body="Default: fixed at the {location}.")
    PostTemplate.objects.create(category=category, outcome=Outcome.FIXED, body="Noise on the {location} has stopped.")
    # Another category's template for the same outcome is never used.
    PostTemplate.objects.create(
        category=CategoryFactory(name="Parking", slug="parking"), outcome=Outcome.FIXED, body="Parking {location}."
    )

    post = close(incident, officer).drafted_post

    assert post.body == "Noise on the 200 block of Main St has stopped."


def test_it_uses_the_default_template_when_the_category_has_none(incident, officer):
    PostTemplate.objects.create(category=None, outcome=Outcome.FIXED, body="Default: fixed on the {location}.")
    PostTemplate.objects.create(category=None, outcome=Outcome.WARNING, body="Wrong outcome.")

    post = close(incident, officer).drafted_post

    assert post.body == "Default: fixed on the 200 block of Main St."


def test_it_falls_back_to_a_built_in_text_without_templates(incident, officer):
    post = close(incident, officer, public_note="The party has ended.").drafted_post

    assert post.body == (
        "Update on a noise report from the 200 block of Main St: problem fixed. Thank you for telling us."
    )
    assert not PostTemplate.objects.exists()


def test_it_puts_the_public_note_into_a_template_draft(incident, officer, category):
    PostTemplate.objects.create(category=category, outcome=Outcome.FIXED, body="Fixed. {public_note} Thanks.")

    post = close(incident, officer, public_note="The party has ended.").drafted_post

    assert post.body == "Fixed. The party has ended. Thanks."


@pytest.mark.parametrize("to_status", [Status.NEW, Status.INVESTIGATING, Status.ACTION_SCHEDULED])
def test_it_drafts_nothing_for_open_states(incident, officer, to_status):
    if to_status != Status.NEW:
        close(incident, officer, to_status)
    assert not Post.objects.exists()


def test_it_drafts_nothing_when_a_report_is_closed_as_a_duplicate(incident, officer, precinct_a, category):
    from incidents.services import incident_create

    original = incident_create(
        acting_user=officer,
        precinct=precinct_a,
        category=category,
        public_summary="Same party, first call",
        public_location="200 block of Main St",
    )
    close(incident, officer, Status.DUPLICATE, duplicate_of_reference=original.reference)

    incident.refresh_from_db()
    assert incident.status == Status.DUPLICATE
    assert not Post.objects.exists()


def test_it_drafts_no_second_post_when_the_same_closing_is_sent_twice(incident, officer):
    version = incident.version
    close(incident, officer)
    with pytest.raises(IncidentChanged):
        followup_add(
            acting_user=officer,
            incident=incident,
            expected_version=version,
            change=Change(to_status=Status.RESOLVED, outcome=Outcome.FIXED),
        )
    assert Post.objects.count() == 1


def test_it_drafts_nothing_when_closing_is_refused(incident, officer):
    with pytest.raises(Refused):
        close(incident, officer, Status.REFERRED, referred_to="")
    assert not Post.objects.exists()
    assert not PostEvent.objects.exists()


# --- submit ----------------------------------------------------------------


def test_it_submits_a_draft_for_review(draft, officer):
    post = services.post_submit(acting_user=officer, post=draft, expected_version=draft.version)

    assert fresh(post).status == PostStatus.IN_REVIEW
    assert fresh(post).version == draft.version + 1
    assert_event(last_event(post), post=post, from_status="draft", to_status="in_review", actor=officer)


def test_it_submits_again_after_changes_were_requested(in_review, officer, supervisor):
    services.post_request_changes(acting_user=supervisor, post=in_review, reason="Say which day it was fixed.")
    post = services.post_edit(
        acting_user=officer,
        post=in_review,
        body=in_review.body + " Fixed on Monday.",
        expected_version=fresh(in_review).version,
    )
    assert post.status == PostStatus.CHANGES_REQUESTED

    services.post_submit(acting_user=officer, post=post)

    assert fresh(post).status == PostStatus.IN_REVIEW
    assert_event(last_event(post), post=post, from_status="changes_requested", to_status="in_review", actor=officer)


def test_it_lets_only_the_author_submit(draft, supervisor):
    before = snapshot(draft)
    with pytest.raises(PermissionDenied, match="Only the author"):
        services.post_submit(acting_user=supervisor, post=draft)
    assert snapshot(draft) == before


def test_it_hides_a_post_from_another_precincts_staff(draft, outsider):
    before = snapshot(draft)
    with pytest.raises(Http404):
        services.post_submit(acting_user=outsider, post=draft)
    with pytest.raises(Http404):
        services.post_edit(acting_user=outsider, post=draft, body="Hello there.", expected_version=draft.version)
    assert snapshot(draft) == before


@pytest.mark.parametrize("state", ["in_review", "scheduled", "published"])
def test_it_refuses_to_submit_a_post_that_is_not_a_draft(request, officer, state):
    post = request.getfixturevalue(state)
    before = snapshot(post)
    with pytest.raises(PostConflict):
        services.post_submit(acting_user=officer, post=post)
    assert snapshot(post) == before


def test_it_refuses_to_submit_a_post_with_a_blocking_finding(draft, officer, incident):
    post = services.post_edit(acting_user=officer, post=draft, body=LEAKY, expected_version=draft.version)
    before = snapshot(post)

    with pytest.raises(Refused) as refused:
        services.post_submit(acting_user=officer, post=post)

    assert refused.value.field == "body"
    assert "cannot be submitted" in refused.value.message
    assert snapshot(post) == before
    assert fresh(post).status == PostStatus.DRAFT


def test_it_emails_the_precincts_supervisors_but_not_the_author_on_submit(
    draft, officer, supervisor, second_supervisor, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(acting_user=officer, post=draft)

    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["second_supervisor@example.org", "supervisor@example.org"]
    assert "waits for your review" in mailoutbox[0].subject
    assert draft.body in mailoutbox[0].body


def test_it_does_not_email_a_supervisor_about_their_own_submission(
    incident, supervisor, second_supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    post = close(incident, supervisor).drafted_post
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(acting_user=supervisor, post=post)

    assert [m.to for m in mailoutbox] == [["second_supervisor@example.org"]]


def test_it_sends_no_email_when_submitting_is_refused(draft, officer, mailoutbox, django_capture_on_commit_callbacks):
    post = services.post_edit(acting_user=officer, post=draft, body=LEAKY, expected_version=draft.version)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Refused):
        services.post_submit(acting_user=officer, post=post)
    assert mailoutbox == []


# --- approve ---------------------------------------------------------------


def test_it_publishes_a_post_approved_to_go_out_now(in_review, supervisor):
    events_before = PostEvent.objects.filter(post=in_review).count()

    post = services.post_approve(acting_user=supervisor, post=in_review, expected_version=in_review.version)

    post = fresh(post)
    assert post.status == PostStatus.PUBLISHED
    assert post.reviewer == supervisor
    assert post.approved_hash == hashlib.sha256(post.body.encode()).hexdigest()
    assert post.published_at is not None
    approved, went_out = PostEvent.objects.filter(post=post).order_by("created_at", "id")[events_before:]
    assert_event(approved, post=post, from_status="in_review", to_status="approved", actor=supervisor)
    assert "Approved now" in approved.comment
    assert_event(went_out, post=post, from_status="approved", to_status="published", actor=supervisor)


def test_it_refuses_approval_of_your_own_post(incident, supervisor):
    post = services.post_submit(acting_user=supervisor, post=close(incident, supervisor).drafted_post)
    before = snapshot(post)
    with pytest.raises(PermissionDenied, match="another supervisor"):
        services.post_approve(acting_user=supervisor, post=post)
    assert snapshot(post) == before


def test_it_refuses_approval_by_an_officer(in_review, officer):
    before = snapshot(in_review)
    with pytest.raises(PermissionDenied):
        services.post_approve(acting_user=officer, post=in_review)
    assert snapshot(in_review) == before


def test_it_refuses_approval_by_another_precincts_supervisor(in_review, outsider):
    before = snapshot(in_review)
    with pytest.raises(Http404):
        services.post_approve(acting_user=outsider, post=in_review)
    assert snapshot(in_review) == before


def test_it_refuses_to_approve_a_post_with_a_blocking_finding(in_review, officer, supervisor):
    # The author may still revise a post while it is in review; the approval checks it again.
    post = services.post_edit(acting_user=officer, post=in_review, body=LEAKY, expected_version=in_review.version)
    assert post.status == PostStatus.IN_REVIEW
    before = snapshot(post)

    with pytest.raises(Refused) as refused:
        services.post_approve(acting_user=supervisor, post=post)

    assert refused.value.field == "body"
    assert snapshot(post) == before


def test_it_keeps_a_scheduled_post_until_its_time(in_review, supervisor):
    when = timezone.now() + timedelta(hours=2)
    services.post_approve(acting_user=supervisor, post=in_review, publish_at=when)

    post = fresh(in_review)
    assert post.status == PostStatus.APPROVED
    assert post.publish_at == when
    assert post.published_at is None
    assert_event(last_event(post), post=post, from_status="in_review", to_status="approved", actor=supervisor)

    assert services.posts_publish_due(now=when - timedelta(minutes=1)) == 0
    assert fresh(post).status == PostStatus.APPROVED

    assert services.posts_publish_due(now=when + timedelta(seconds=1)) == 1
    post = fresh(post)
    assert post.status == PostStatus.PUBLISHED
    assert post.published_at is not None
    assert_event(last_event(post), post=post, from_status="approved", to_status="published", actor=None)


def test_it_refuses_a_publishing_time_in_the_past(in_review, supervisor):
    before = snapshot(in_review)
    with pytest.raises(Refused) as refused:
        services.post_approve(acting_user=supervisor, post=in_review, publish_at=timezone.now() - timedelta(hours=1))
    assert refused.value.field == "publish_at"
    assert snapshot(in_review) == before


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
def test_it_refuses_to_approve_a_post_that_is_not_in_review(request, supervisor, state):
    post = request.getfixturevalue(state)
    before = snapshot(post)
    with pytest.raises(PostConflict):
        services.post_approve(acting_user=supervisor, post=post)
    assert snapshot(post) == before


# --- request changes and reject --------------------------------------------


@pytest.mark.parametrize(
    ("decide", "to_status"),
    [
        (services.post_request_changes, PostStatus.CHANGES_REQUESTED),
        (services.post_reject, PostStatus.REJECTED),
    ],
)
def test_it_tells_the_author_the_reason_for_a_decision(
    in_review, officer, supervisor, decide, to_status, mailoutbox, django_capture_on_commit_callbacks
):
    reason = "Say the block, not the park."
    with django_capture_on_commit_callbacks(execute=True):
        decide(acting_user=supervisor, post=in_review, reason=f"  {reason}  ", expected_version=in_review.version)

    post = fresh(in_review)
    assert post.status == to_status
    assert post.reviewer == supervisor
    assert post.review_comment == reason
    assert_event(
        last_event(post), post=post, from_status="in_review", to_status=to_status, actor=supervisor, comment=reason
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [officer.email]
    assert reason in mailoutbox[0].body
    assert to_status.label.lower() in mailoutbox[0].subject


@pytest.mark.parametrize("decide", [services.post_request_changes, services.post_reject])
@pytest.mark.parametrize("reason", ["", "   "])
def test_it_needs_a_reason_to_send_a_post_back(in_review, supervisor, decide, reason, mailoutbox):
    before = snapshot(in_review)
    with pytest.raises(Refused) as refused:
        decide(acting_user=supervisor, post=in_review, reason=reason)
    assert refused.value.field == "reason"
    assert snapshot(in_review) == before
    assert mailoutbox == []


@pytest.mark.parametrize("decide", [services.post_request_changes, services.post_reject])
def test_it_lets_only_another_supervisor_of_the_precinct_decide(in_review, officer, outsider, decide):
    before = snapshot(in_review)
    with pytest.raises(PermissionDenied):
        decide(acting_user=officer, post=in_review, reason="No.")
    with pytest.raises(Http404):
        decide(acting_user=outsider, post=in_review, reason="No.")
    assert snapshot(in_review) == before


def test_it_emails_the_author_when_a_post_is_approved(
    in_review, officer, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_approve(acting_user=supervisor, post=in_review)
    assert [m.to for m in mailoutbox] == [[officer.email]]


# --- edits -------------------------------------------------------------------


def test_it_saves_an_edit_of_a_draft(draft, officer):
    post = services.post_edit(
        acting_user=officer, post=draft, body="  The noise on Main St has stopped.  ", expected_version=draft.version
    )
    assert fresh(post).body == "The noise on Main St has stopped."
    assert fresh(post).status == PostStatus.DRAFT
    assert_event(last_event(post), post=post, from_status="draft", to_status="draft", actor=officer)


def test_it_writes_nothing_for_an_edit_that_changes_nothing(draft, officer):
    before = snapshot(draft)
    services.post_edit(acting_user=officer, post=draft, body=draft.body, expected_version=draft.version)
    assert snapshot(draft) == before


@pytest.mark.parametrize("body", ["", "   ", "x" * 501])
def test_it_refuses_an_empty_or_overlong_body(draft, officer, body):
    before = snapshot(draft)
    with pytest.raises(Refused) as refused:
        services.post_edit(acting_user=officer, post=draft, body=body, expected_version=draft.version)
    assert refused.value.field == "body"
    assert snapshot(draft) == before


def test_it_lets_only_the_author_edit(draft, supervisor):
    before = snapshot(draft)
    with pytest.raises(PermissionDenied, match="Only the author"):
        services.post_edit(acting_user=supervisor, post=draft, body="Rewritten.", expected_version=draft.version)
    assert snapshot(draft) == before


def test_it_sends_a_post_edited_after_approval_back_to_review(
    scheduled, officer, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    assert scheduled.status == PostStatus.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_edit(
            acting_user=officer,
            post=scheduled,
            body=scheduled.body + " Call 311 if it starts again.",
            expected_version=scheduled.version,
        )

    post = fresh(post)
    assert post.status == PostStatus.IN_REVIEW
    assert post.approved_hash == ""
    assert post.publish_at is None
    assert_event(
        last_event(post),
        post=post,
        from_status="approved",
        to_status="in_review",
        actor=officer,
        comment="Edited after approval",
    )
    # The supervisors hear that it waits for them again.
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    # Its old schedule no longer publishes it.
    assert services.posts_publish_due(now=timezone.now() + timedelta(days=1)) == 0
    assert fresh(post).status == PostStatus.IN_REVIEW


def test_it_does_not_publish_text_that_differs_from_the_approved_text(scheduled):
    Post.objects.filter(pk=scheduled.pk).update(body="Tampered text, never approved.")
    events = PostEvent.objects.count()

    assert services.posts_publish_due(now=timezone.now() + timedelta(days=1)) == 0

    post = fresh(scheduled)
    assert post.status == PostStatus.APPROVED
    assert post.published_at is None
    assert PostEvent.objects.count() == events


def test_it_refuses_a_stale_edit_and_writes_nothing(draft, officer):
    services.post_edit(acting_user=officer, post=draft, body="First tab's text.", expected_version=draft.version)
    before = snapshot(draft)

    with pytest.raises(PostConflict) as conflict:
        services.post_edit(acting_user=officer, post=draft, body="Second tab's text.", expected_version=draft.version)

    assert snapshot(draft) == before
    assert fresh(draft).body == "First tab's text."
    assert conflict.value.post.body == "First tab's text."


def test_it_refuses_a_stale_decision_and_writes_nothing(in_review, officer, supervisor):
    stale = in_review.version
    services.post_edit(acting_user=officer, post=in_review, body="Revised while in review.", expected_version=stale)
    before = snapshot(in_review)

    for decide in (services.post_approve, services.post_request_changes, services.post_reject):
        extra = {} if decide is services.post_approve else {"reason": "No."}
        with pytest.raises(PostConflict, match="in review"):
            decide(acting_user=supervisor, post=in_review, expected_version=stale, **extra)

    assert snapshot(in_review) == before


def test_it_refuses_a_stale_submit_and_writes_nothing(draft, officer):
    stale = draft.version
    services.post_edit(acting_user=officer, post=draft, body="Revised first.", expected_version=stale)
    before = snapshot(draft)
    with pytest.raises(PostConflict):
        services.post_submit(acting_user=officer, post=draft, expected_version=stale)
    assert snapshot(draft) == before


# --- holds -------------------------------------------------------------------


def test_it_publishes_nothing_while_the_precinct_is_held(in_review, supervisor, precinct_a):
    services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Major incident under way.")
    precinct_a.refresh_from_db()
    assert precinct_a.is_held
    assert precinct_a.hold_by == supervisor
    assert precinct_a.hold_reason == "Major incident under way."

    services.post_approve(acting_user=supervisor, post=in_review)

    assert fresh(in_review).status == PostStatus.APPROVED
    assert services.posts_publish_due(now=timezone.now() + timedelta(days=1)) == 0
    assert fresh(in_review).status == PostStatus.APPROVED
    assert not PostEvent.objects.filter(to_status=PostStatus.PUBLISHED).exists()


def test_it_publishes_due_posts_when_the_hold_is_lifted(
    in_review, supervisor, precinct_a, django_capture_on_commit_callbacks
):
    services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Major incident under way.")
    services.post_approve(acting_user=supervisor, post=in_review)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.precinct_release(acting_user=supervisor, precinct=precinct_a)
    # Publishing waits for the release to be committed.
    assert fresh(in_review).status == PostStatus.APPROVED
    for callback in callbacks:
        callback()

    precinct_a.refresh_from_db()
    assert not precinct_a.is_held
    assert fresh(in_review).status == PostStatus.PUBLISHED
    assert PostEvent.objects.filter(post=in_review, to_status=PostStatus.PUBLISHED).count() == 1


def test_it_keeps_scheduled_posts_waiting_after_a_release(scheduled, supervisor, precinct_a):
    services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Storm.")
    services.precinct_release(acting_user=supervisor, precinct=precinct_a)
    assert services.posts_publish_due() == 0
    assert fresh(scheduled).status == PostStatus.APPROVED


def test_it_holds_only_the_held_precinct(in_review, supervisor, outsider, precinct_a, precinct_b):
    services.precinct_hold(acting_user=outsider, precinct=precinct_b, reason="Precinct B only.")
    services.post_approve(acting_user=supervisor, post=in_review)
    assert fresh(in_review).status == PostStatus.PUBLISHED


@pytest.mark.parametrize("reason", ["", "  "])
def test_it_needs_a_reason_for_a_hold(supervisor, precinct_a, reason):
    with pytest.raises(Refused) as refused:
        services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason=reason)
    assert refused.value.field == "reason"
    precinct_a.refresh_from_db()
    assert not precinct_a.is_held


def test_it_lets_only_a_supervisor_of_the_precinct_hold_or_release(officer, supervisor, outsider, precinct_a):
    with pytest.raises(PermissionDenied):
        services.precinct_hold(acting_user=officer, precinct=precinct_a, reason="Storm.")
    with pytest.raises(Http404):
        services.precinct_hold(acting_user=outsider, precinct=precinct_a, reason="Storm.")
    precinct_a.refresh_from_db()
    assert not precinct_a.is_held

    services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Storm.")
    with pytest.raises(PermissionDenied):
        services.precinct_release(acting_user=officer, precinct=precinct_a)
    with pytest.raises(Http404):
        services.precinct_release(acting_user=outsider, precinct=precinct_a)
    precinct_a.refresh_from_db()
    assert precinct_a.is_held


def test_it_refuses_a_second_hold_and_a_release_without_a_hold(supervisor, precinct_a):
    with pytest.raises(Refused, match="not on hold"):
        services.precinct_release(acting_user=supervisor, precinct=precinct_a)
    services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Storm.")
    with pytest.raises(Refused, match="already on hold: Storm."):
        services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Another.")


# --- alerts ------------------------------------------------------------------


def test_it_publishes_an_urgent_alert_at_once_and_flags_it(alert, supervisor, precinct_a):
    post = fresh(alert)
    assert post.kind == PostKind.ALERT
    assert post.incident is None
    assert post.status == PostStatus.PUBLISHED
    assert post.published_at is not None
    assert post.needs_after_review is True
    assert post.after_reviewed_by is None
    assert post.author == supervisor
    created, went_out = PostEvent.objects.filter(post=post).order_by("created_at", "id")
    assert_event(created, post=post, from_status="", to_status="draft", actor=supervisor)
    assert_event(went_out, post=post, from_status="draft", to_status="published", actor=supervisor, comment="Urgent")


def test_it_saves_an_alert_as_a_draft_unless_urgent(supervisor, precinct_a):
    post = services.post_create_alert(
        acting_user=supervisor, precinct=precinct_a, body="Street fair on Main St on Saturday."
    )
    post = fresh(post)
    assert (post.status, post.kind, post.needs_after_review) == (PostStatus.DRAFT, PostKind.ALERT, False)


def test_it_lets_only_supervisors_write_alerts(officer, outsider, precinct_a):
    with pytest.raises(PermissionDenied):
        services.post_create_alert(acting_user=officer, precinct=precinct_a, body="Road closed.", publish_now=True)
    with pytest.raises(Http404):
        services.post_create_alert(acting_user=outsider, precinct=precinct_a, body="Road closed.", publish_now=True)
    assert not Post.objects.exists()


def test_it_refuses_an_urgent_alert_with_a_blocking_finding(supervisor, precinct_a):
    with pytest.raises(Refused) as refused:
        services.post_create_alert(
            acting_user=supervisor, precinct=precinct_a, body="Call Sgt Diaz at 212-555-0199.", publish_now=True
        )
    assert refused.value.field == "body"
    assert not Post.objects.exists()
    assert not PostEvent.objects.exists()


def test_it_refuses_an_urgent_alert_while_the_precinct_is_held(supervisor, precinct_a):
    services.precinct_hold(acting_user=supervisor, precinct=precinct_a, reason="Storm.")
    with pytest.raises(Refused, match="on hold"):
        services.post_create_alert(acting_user=supervisor, precinct=precinct_a, body="Road closed.", publish_now=True)
    assert not Post.objects.exists()
    assert not PostEvent.objects.exists()


def test_it_clears_the_flag_when_a_second_supervisor_reviews_the_alert(alert, second_supervisor):
    services.post_after_review(acting_user=second_supervisor, post=alert)

    post = fresh(alert)
    assert post.needs_after_review is False
    assert post.after_reviewed_by == second_supervisor
    assert post.status == PostStatus.PUBLISHED
    assert_event(
        last_event(post),
        post=post,
        from_status="published",
        to_status="published",
        actor=second_supervisor,
        comment="Reviewed after publication",
    )
    with pytest.raises(PostConflict, match="already been reviewed"):
        services.post_after_review(acting_user=second_supervisor, post=alert)


def test_it_refuses_an_after_review_by_the_author_or_an_officer(alert, supervisor, officer, outsider):
    before = snapshot(alert)
    with pytest.raises(PermissionDenied):
        services.post_after_review(acting_user=supervisor, post=alert)
    with pytest.raises(PermissionDenied):
        services.post_after_review(acting_user=officer, post=alert)
    with pytest.raises(Http404):
        services.post_after_review(acting_user=outsider, post=alert)
    assert snapshot(alert) == before


# --- retract -----------------------------------------------------------------


def test_it_retracts_a_published_post_and_keeps_it(published, second_supervisor):
    services.post_retract(acting_user=second_supervisor, post=published, reason="  Wrong block given.  ")

    post = fresh(published)
    assert post.status == PostStatus.RETRACTED
    assert post.retracted_at is not None
    assert post.retraction_reason == "Wrong block given."
    assert post.published_at is not None
    assert post in Post.objects.public()
    assert_event(
        last_event(post),
        post=post,
        from_status="published",
        to_status="retracted",
        actor=second_supervisor,
        comment="Wrong block given.",
    )


def test_it_lets_the_approving_supervisor_retract_too(published, supervisor):
    services.post_retract(acting_user=supervisor, post=published, reason="Wrong block given.")
    assert fresh(published).status == PostStatus.RETRACTED


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_needs_a_public_reason_to_retract(published, supervisor, reason):
    before = snapshot(published)
    with pytest.raises(Refused) as refused:
        services.post_retract(acting_user=supervisor, post=published, reason=reason)
    assert refused.value.field == "reason"
    assert snapshot(published) == before


def test_it_lets_only_a_supervisor_of_the_precinct_retract(published, officer, outsider):
    before = snapshot(published)
    with pytest.raises(PermissionDenied):
        services.post_retract(acting_user=officer, post=published, reason="Mine.")
    with pytest.raises(Http404):
        services.post_retract(acting_user=outsider, post=published, reason="Theirs.")
    assert snapshot(published) == before


@pytest.mark.parametrize("state", ["draft", "in_review", "scheduled"])
def test_it_retracts_only_published_posts(request, supervisor, state):
    post = request.getfixturevalue(state)
    before = snapshot(post)
    with pytest.raises(PostConflict):
        services.post_retract(acting_user=supervisor, post=post, reason="Withdrawn.")
    assert snapshot(post) == before


# --- the event log -------------------------------------------------------------


def test_it_logs_the_whole_life_of_a_post(incident, officer, supervisor, second_supervisor):
    post = close(incident, officer).drafted_post
    services.post_submit(acting_user=officer, post=post)
    services.post_request_changes(acting_user=supervisor, post=post, reason="Shorter, please.")
    post = services.post_edit(
        acting_user=officer, post=post, body="The noise has stopped.", expected_version=fresh(post).version
    )
    services.post_submit(acting_user=officer, post=post)
    services.post_approve(acting_user=second_supervisor, post=post)
    services.post_retract(acting_user=supervisor, post=post, reason="Posted twice.")

    events = list(PostEvent.objects.filter(post=post).order_by("created_at", "id"))
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("", "draft", officer),
        ("draft", "in_review", officer),
        ("in_review", "changes_requested", supervisor),
        ("changes_requested", "changes_requested", officer),
        ("changes_requested", "in_review", officer),
        ("in_review", "approved", second_supervisor),
        ("approved", "published", second_supervisor),
        ("published", "retracted", supervisor),
    ]
    # Each event keeps the text as it stood at that moment.
    assert events[2].body != "The noise has stopped."
    assert {e.body for e in events[3:]} == {"The noise has stopped."}
    assert events[2].comment == "Shorter, please."
    assert events[-1].comment == "Posted twice."


def test_it_never_changes_a_logged_event(draft):
    event = last_event(draft)
    original = PostEvent.objects.filter(pk=event.pk).values().get()

    event.comment = "Rewritten history."
    with pytest.raises(ValueError, match="append-only"):
        event.save()

    impostor = PostEvent(
        pk=event.pk,
        post=draft,
        from_status="",
        to_status=PostStatus.PUBLISHED,
        comment="Rewritten history.",
        body="Rewritten history.",
        created_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        impostor.save()

    assert PostEvent.objects.filter(pk=event.pk).values().get() == original


# --- the publisher ---------------------------------------------------------------


def test_it_publishes_each_due_post_once_however_often_it_runs(incident, officer, supervisor, precinct_a, category):
    from incidents.services import incident_create

    soon = timezone.now() + timedelta(minutes=30)
    later = timezone.now() + timedelta(hours=5)
    posts = []
    for when in (soon, soon, later):
        report = incident_create(
            acting_user=officer,
            precinct=precinct_a,
            category=category,
            public_summary="Car alarm going off all night",
            public_location="100 block of Elm St",
        )
        post = services.post_submit(acting_user=officer, post=close(report, officer).drafted_post)
        posts.append(services.post_approve(acting_user=supervisor, post=post, publish_at=when))
    moment = soon + timedelta(minutes=1)

    assert services.posts_publish_due(now=moment) == 2
    assert services.posts_publish_due(now=moment) == 0

    assert [fresh(p).status for p in posts] == [PostStatus.PUBLISHED, PostStatus.PUBLISHED, PostStatus.APPROVED]
    assert PostEvent.objects.filter(to_status=PostStatus.PUBLISHED).count() == 2
    for post in posts[:2]:
        assert PostEvent.objects.filter(post=post, to_status=PostStatus.PUBLISHED).count() == 1


def test_it_publishes_only_approved_posts(draft, in_review):
    assert services.posts_publish_due(now=timezone.now() + timedelta(days=365)) == 0
    assert fresh(in_review).status == PostStatus.IN_REVIEW
