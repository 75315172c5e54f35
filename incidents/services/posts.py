"""Posts: drafting, review, publishing, retraction, precinct holds.

Every transition locks the post row, checks the state it expects, writes the
new state and a `PostEvent` in one transaction, and queues e-mail only after
commit. Two supervisors acting on one post at once: the second one finds the
state changed and gets `PostConflict`; nothing of theirs is applied.
"""

import hashlib
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents import checks, drafting, freshness
from incidents.models import (
    EDITABLE_POST_STATUSES,
    Incident,
    Post,
    PostEvent,
    PostKind,
    PostStatus,
)
from incidents.services.errors import PostConflict, Refused
from precincts import access
from precincts.models import AuditEntry, Precinct
from tracker.audit import audit_record

MAX_BODY = 500  # the longest any network takes; the checker enforces each network's own limit


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def check_post_body(body: str, incident: Incident | None) -> checks.CheckResult:
    """The draft checker, with the linked report's private details to look for."""
    return checks.check_text(body, private_values=incident.private_values() if incident else ())


def _refuse_blocking(body: str, incident: Incident | None, action: str) -> None:
    result = check_post_body(body, incident)
    if not result.ok:
        blocking = [f for f in result.findings if f.severity == "block"]
        first = blocking[0]
        raise Refused(
            f"This post cannot be {action}: {first.message} "
            f"({len(blocking)} problem{'s' if len(blocking) != 1 else ''} to fix).",
            field="body",
        )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Refused("Write the text of the post.", field="body")
    if len(body) > MAX_BODY:
        raise Refused(f"Keep the post under {MAX_BODY} characters.", field="body")
    return body


def _event(post: Post, *, from_status: str, actor, comment: str = "", at: datetime | None = None) -> PostEvent:
    return PostEvent.objects.create(
        post=post,
        from_status=from_status,
        to_status=post.status,
        actor=actor,
        comment=comment,
        body=post.body,
        created_at=at or timezone.now(),
    )


def _locked(post: Post, *, expect: tuple[str, ...], expected_version: int | None = None) -> Post:
    """Lock the post's row and check it is still in a state the action expects."""
    current = Post.objects.select_for_update(of=("self",)).select_related("precinct", "incident").get(pk=post.pk)
    if current.status not in expect or (expected_version is not None and current.version != expected_version):
        raise PostConflict(current)
    return current


def _save(post: Post, fields: list[str]) -> None:
    post.version = F("version") + 1
    post.save(update_fields=[*fields, "version", "updated_at"])
    post.refresh_from_db(fields=["version"])


def _notify_review(post: Post) -> None:
    from incidents import tasks

    transaction.on_commit(lambda: tasks.notify_post_in_review.delay(post.pk))


def _notify_author(post: Post, event: PostEvent) -> None:
    from incidents import tasks

    transaction.on_commit(lambda: tasks.notify_post_decision.delay(post.pk, event.pk))


# --- drafting ------------------------------------------------------------------


def post_draft_resolution(*, acting_user, incident: Incident, public_note: str = "") -> Post:
    """The draft that closing a report creates, from the matching template, owned by the closer."""
    post = Post.objects.create(
        precinct=incident.precinct,
        incident=incident,
        category_id=incident.category_id,
        kind=PostKind.RESOLUTION,
        body=drafting.draft_text(incident, public_note=public_note),
        author=acting_user,
    )
    _event(post, from_status="", actor=acting_user, comment="Drafted from the template when the report was closed.")
    return post


def post_draft_update(*, acting_user, incident: Incident, body: str) -> Post:
    """An officer's update about a report of their precinct."""
    access.require_member(acting_user, incident.precinct_id)
    body = _clean_body(body)
    with transaction.atomic():
        post = Post.objects.create(
            precinct=incident.precinct,
            incident=incident,
            category_id=incident.category_id,
            kind=PostKind.UPDATE,
            body=body,
            author=acting_user,
        )
        _event(post, from_status="", actor=acting_user)
    return post


def post_create_alert(*, acting_user, precinct: Precinct, body: str, publish_now: bool = False) -> Post:
    """A supervisor's precinct-wide alert. In a crisis it may go out at once,
    logged and flagged for a second supervisor to review after the fact."""
    access.require_supervisor(acting_user, precinct.pk)
    body = _clean_body(body)
    if publish_now:
        _refuse_blocking(body, None, "published")
    with transaction.atomic():
        post = Post.objects.create(precinct=precinct, kind=PostKind.ALERT, body=body, author=acting_user)
        _event(post, from_status="", actor=acting_user)
        if publish_now:
            locked_precinct = Precinct.objects.select_for_update().get(pk=precinct.pk)
            if locked_precinct.is_held:
                raise Refused(
                    f"Publishing is on hold for {precinct.name}: {locked_precinct.hold_reason} "
                    "Lift the hold first, or save the alert for review.",
                )
            now = timezone.now()
            post.status = PostStatus.PUBLISHED
            post.approved_hash = body_hash(body)
            post.publish_at = post.published_at = now
            post.reviewer = acting_user
            post.needs_after_review = True
            _save(post, ["status", "approved_hash", "publish_at", "published_at", "reviewer", "needs_after_review"])
            _event(
                post,
                from_status=PostStatus.DRAFT,
                actor=acting_user,
                comment="Urgent alert published at once by a supervisor; waits for a second supervisor's review.",
                at=now,
            )
            _public_changed(post)
            _on_published(post)
    return post


def post_edit(*, acting_user, post: Post, body: str, expected_version: int) -> Post:
    """The author revises the text. An edit after approval sends it back to review."""
    access.require_member(acting_user, post.precinct_id)
    if post.author_id != acting_user.pk:
        raise PermissionDenied("Only the author can edit this post; request changes instead.")
    body = _clean_body(body)
    with transaction.atomic():
        current = _locked(post, expect=EDITABLE_POST_STATUSES, expected_version=expected_version)
        if current.body == body:
            return current
        previous = current.status
        current.body = body
        fields = ["body"]
        comment = "Edited."
        if previous == PostStatus.APPROVED:
            # Approval is bound to the exact text approved.
            current.status = PostStatus.IN_REVIEW
            current.approved_hash = ""
            current.publish_at = None
            fields += ["status", "approved_hash", "publish_at"]
            comment = "Edited after approval, so it goes back to review."
        _save(current, fields)
        _event(current, from_status=previous, actor=acting_user, comment=comment)
        if previous == PostStatus.APPROVED:
            _notify_review(current)
    return current


def post_submit(*, acting_user, post: Post, expected_version: int | None = None) -> Post:
    """The author sends a draft to the precinct's supervisors."""
    access.require_member(acting_user, post.precinct_id)
    if post.author_id != acting_user.pk:
        raise PermissionDenied("Only the author can submit this post for review.")
    with transaction.atomic():
        current = _locked(
            post, expect=(PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED), expected_version=expected_version
        )
        _refuse_blocking(current.body, current.incident, "submitted")
        previous = current.status
        current.status = PostStatus.IN_REVIEW
        _save(current, ["status"])
        _event(current, from_status=previous, actor=acting_user)
        _notify_review(current)
    return current


# --- review ----------------------------------------------------------------------


def _require_reviewer(acting_user, post: Post) -> None:
    """Four eyes: a supervisor of the post's precinct who is not its author."""
    access.require_supervisor(acting_user, post.precinct_id)
    if post.author_id == acting_user.pk:
        raise PermissionDenied("You wrote this post; another supervisor must review it.")


def post_approve(
    *, acting_user, post: Post, publish_at: datetime | None = None, expected_version: int | None = None
) -> Post:
    """Approve the exact text under review, to go out now or at `publish_at`."""
    _require_reviewer(acting_user, post)
    now = timezone.now()
    if publish_at is not None and publish_at < now - timezone.timedelta(minutes=1):
        raise Refused("Choose a publishing time in the future, or publish now.", field="publish_at")
    with transaction.atomic():
        current = _locked(post, expect=(PostStatus.IN_REVIEW,), expected_version=expected_version)
        _refuse_blocking(current.body, current.incident, "approved")
        current.status = PostStatus.APPROVED
        current.reviewer = acting_user
        current.approved_hash = body_hash(current.body)
        current.publish_at = publish_at or now
        current.review_comment = ""
        _save(current, ["status", "reviewer", "approved_hash", "publish_at", "review_comment"])
        when = "now" if publish_at is None else f"for {timezone.localtime(current.publish_at):%b %d, %Y %H:%M %Z}"
        event = _event(current, from_status=PostStatus.IN_REVIEW, actor=acting_user, comment=f"Approved {when}.")
        _notify_author(current, event)
        if current.publish_at <= now:
            _publish_locked(current, actor=acting_user)
    return current


def _decide(*, acting_user, post: Post, to_status: str, reason: str, expected_version: int | None) -> Post:
    _require_reviewer(acting_user, post)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Give a reason; the author will see it.", field="reason")
    with transaction.atomic():
        current = _locked(post, expect=(PostStatus.IN_REVIEW,), expected_version=expected_version)
        current.status = to_status
        current.reviewer = acting_user
        current.review_comment = reason[:500]
        _save(current, ["status", "reviewer", "review_comment"])
        event = _event(current, from_status=PostStatus.IN_REVIEW, actor=acting_user, comment=reason[:500])
        _notify_author(current, event)
    return current


def post_request_changes(*, acting_user, post: Post, reason: str, expected_version: int | None = None) -> Post:
    """Send the post back to its author with a reason."""
    return _decide(
        acting_user=acting_user,
        post=post,
        to_status=PostStatus.CHANGES_REQUESTED,
        reason=reason,
        expected_version=expected_version,
    )


def post_reject(*, acting_user, post: Post, reason: str, expected_version: int | None = None) -> Post:
    """Refuse the post for good, with a reason for the author."""
    return _decide(
        acting_user=acting_user,
        post=post,
        to_status=PostStatus.REJECTED,
        reason=reason,
        expected_version=expected_version,
    )


def post_after_review(*, acting_user, post: Post) -> Post:
    """A second supervisor looks at an alert that was published at once."""
    _require_reviewer(acting_user, post)
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if not current.needs_after_review:
            raise PostConflict(current, "This alert has already been reviewed after publication.")
        current.needs_after_review = False
        current.after_reviewed_by = acting_user
        _save(current, ["needs_after_review", "after_reviewed_by"])
        _event(current, from_status=current.status, actor=acting_user, comment="Reviewed after publication.")
    return current


def post_retract(*, acting_user, post: Post, reason: str) -> Post:
    """Withdraw a published post. It stays on the public record, marked withdrawn with the reason."""
    access.require_supervisor(acting_user, post.precinct_id)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Give the public reason for withdrawing the post.", field="reason")
    with transaction.atomic():
        current = _locked(post, expect=(PostStatus.PUBLISHED,))
        current.status = PostStatus.RETRACTED
        current.retracted_at = timezone.now()
        current.retraction_reason = reason[:300]
        _save(current, ["status", "retracted_at", "retraction_reason"])
        _event(current, from_status=PostStatus.PUBLISHED, actor=acting_user, comment=reason[:300])
        _public_changed(current)
        _on_retracted(current)
    return current


# --- publishing --------------------------------------------------------------------


def _publish_locked(post: Post, *, actor=None) -> bool:
    """Publish a locked, approved post if its text is still the approved text and no hold applies."""
    if body_hash(post.body) != post.approved_hash:
        return False
    if Precinct.objects.filter(pk=post.precinct_id, hold_at__isnull=False).exists():
        return False
    now = timezone.now()
    matched = Post.objects.filter(pk=post.pk, status=PostStatus.APPROVED, approved_hash=post.approved_hash).update(
        status=PostStatus.PUBLISHED, published_at=now, version=F("version") + 1, updated_at=now
    )
    if matched != 1:
        return False
    post.refresh_from_db()
    _event(post, from_status=PostStatus.APPROVED, actor=actor, comment="Published.", at=now)
    _public_changed(post)
    _on_published(post)
    return True


def posts_publish_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Publish approved posts whose time has come, outside held precincts.

    Idempotent and safe when two run at once: rows are claimed with
    SKIP LOCKED and moved with a conditional UPDATE, so each post is
    published exactly once.
    """
    now = now or timezone.now()
    published = 0
    with transaction.atomic():
        due = (
            Post.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=PostStatus.APPROVED, publish_at__lte=now, precinct__hold_at__isnull=True)
            .order_by("publish_at", "id")[:limit]
        )
        for post in due:
            published += _publish_locked(post)
    return published


def _public_changed(post: Post) -> None:
    """Move the precinct's public marker: its pages' ETags and cache keys change with it."""
    Precinct.objects.filter(pk=post.precinct_id).update(public_changed_at=timezone.now())
    freshness.post_changed(post)


def _on_published(post: Post) -> None:
    """Hook for what publishing sets off (feeds, caches, channels): after commit."""
    from publishing.services import deliveries_create_for_post

    # In this transaction: the post is never published without its deliveries.
    deliveries_create_for_post(post=post)


def _on_retracted(post: Post) -> None:
    """Hook for what a retraction sets off (feeds, caches, channels): after commit."""
    from publishing.services import deliveries_retract_for_post

    deliveries_retract_for_post(post=post)


# --- holds -------------------------------------------------------------------------


def precinct_hold(*, acting_user, precinct: Precinct, reason: str) -> Precinct:
    """Stop everything from going out for a precinct until the hold is lifted."""
    access.require_supervisor(acting_user, precinct.pk)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Give a reason for the hold.", field="reason")
    with transaction.atomic():
        current = Precinct.objects.select_for_update().get(pk=precinct.pk)
        if current.is_held:
            raise Refused(f"Publishing is already on hold: {current.hold_reason}")
        current.hold_reason = reason[:300]
        current.hold_by = acting_user
        current.hold_at = timezone.now()
        current.save(update_fields=["hold_reason", "hold_by", "hold_at"])
        audit_record(
            action=AuditEntry.Action.PUBLISHING_HELD, actor=acting_user, precinct=current, detail={"reason": reason}
        )
    return current


def precinct_release(*, acting_user, precinct: Precinct) -> Precinct:
    """Lift a hold; approved posts whose time has come go out at once."""
    access.require_supervisor(acting_user, precinct.pk)
    with transaction.atomic():
        current = Precinct.objects.select_for_update().get(pk=precinct.pk)
        if not current.is_held:
            raise Refused("Publishing is not on hold.")
        current.hold_reason = ""
        current.hold_by = None
        current.hold_at = None
        current.save(update_fields=["hold_reason", "hold_by", "hold_at"])
        audit_record(action=AuditEntry.Action.PUBLISHING_RELEASED, actor=acting_user, precinct=current)
    from incidents import tasks

    transaction.on_commit(tasks.publish_due_posts.delay)
    return current
