"""Desk pages for posts: the editor, the review queue, alerts and holds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from incidents import selectors
from incidents.diffing import word_diff
from incidents.forms import AlertForm, BulkApproveForm, PostBodyForm, ReasonForm, ReviewForm
from incidents.models import EDITABLE_POST_STATUSES, PostStatus
from incidents.services import PostConflict, Refused
from incidents.services import posts as post_services
from precincts import access
from precincts.models import Precinct
from publishing import selectors as publishing_selectors


def _refusal_to_form(form, refusal: Refused) -> None:
    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)


@login_required
def post_list(request):
    access.require_staff(request.user)
    status = request.GET.get("status") or None
    if status not in PostStatus.values:
        status = None
    mine = (
        request.GET.get("mine", "on" if not access.precinct_ids_for(request.user, role="supervisor") else "") == "on"
    )
    page = selectors.post_desk_list(user=request.user, status=status, mine=mine, cursor=request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "desk/post_list.html",
        {
            "page": page,
            "status": status,
            "mine": mine,
            "statuses": PostStatus.choices,
            "query_without_cursor": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_detail(request, post_id):
    post = selectors.post_for_desk(user=request.user, post_id=post_id)
    is_author = post.author_id == request.user.pk
    is_supervisor = access.is_supervisor(request.user, post.precinct_id)
    action = request.POST.get("action", "")
    body_form = PostBodyForm(
        request.POST if action in ("save", "submit", "check") else None,
        initial={"body": post.body, "version": post.version},
    )
    review_form = ReviewForm(
        request.POST if action == "review" else None, initial={"version": post.version, "decision": "approve"}
    )
    reason_form = ReasonForm(request.POST if action == "retract" else None, label="Public reason for withdrawing")
    status = 200

    if request.method == "POST":
        conflict = None
        try:
            # One transaction: a submit refused after its edit saves nothing.
            with transaction.atomic():
                done = _act(request, post, action, body_form, review_form, reason_form, is_author)
        except PostConflict as error:
            if action not in ("save", "submit"):
                messages.error(request, error.message)
                return redirect("desk:post_detail", post_id=post.pk)
            conflict = error
            done = None
        except Refused as refusal:
            _refusal_to_form({"review": review_form, "retract": reason_form}.get(action, body_form), refusal)
            done = None
        if done:
            messages.success(request, done)
            return redirect("desk:post_detail", post_id=post.pk)
        if conflict is not None:
            # Keep what the author typed, on top of the post's new state.
            post = selectors.post_for_desk(user=request.user, post_id=post_id)
            body_form = PostBodyForm({"body": request.POST.get("body", ""), "version": post.version})
            body_form.is_valid()
            body_form.add_error(None, conflict.message)
        status = 200 if action == "check" else 409 if conflict is not None else 400

    # Findings for the text on screen: what was just typed, or the saved text.
    shown_body = body_form.data.get("body", post.body) if body_form.is_bound else post.body
    return render(
        request,
        "desk/post_detail.html",
        {
            "post": post,
            "check": post_services.check_post_body(shown_body, post.incident),
            "history": selectors.post_history(post),
            "deliveries": publishing_selectors.deliveries_for_post(user=request.user, post=post),
            "body_form": body_form,
            "review_form": review_form,
            "reason_form": reason_form,
            "can_edit": is_author and post.status in EDITABLE_POST_STATUSES,
            "can_submit": is_author and post.status in (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED),
            "can_review": is_supervisor and not is_author and post.status == PostStatus.IN_REVIEW,
            "can_retract": is_supervisor and post.status == PostStatus.PUBLISHED,
            "can_after_review": is_supervisor and not is_author and post.needs_after_review,
        },
        status=status,
    )


def _act(request, post, action, body_form, review_form, reason_form, is_author) -> str | None:
    """Carry out one posted action; return the success message, or None to show the form again."""
    user = request.user
    if action in ("save", "submit"):
        if not body_form.is_valid():
            return None
        version = body_form.cleaned_data.get("version") or post.version
        post = post_services.post_edit(
            acting_user=user, post=post, body=body_form.cleaned_data["body"], expected_version=version
        )
        if action == "save":
            return "Saved." if post.status != PostStatus.IN_REVIEW else "Saved; the post is back in review."
        post_services.post_submit(acting_user=user, post=post)
        return "Submitted for review. Supervisors have been told."
    if action == "check":
        body_form.is_valid()
        return None
    if action == "review":
        access.require_supervisor(user, post.precinct_id)
        # A typed publishing time is the precinct's local time.
        with timezone.override(post.precinct.tzinfo):
            valid = review_form.is_valid()
        if not valid:
            return None
        data = review_form.cleaned_data
        if data["decision"] == ReviewForm.APPROVE:
            post = post_services.post_approve(
                acting_user=user, post=post, publish_at=data["publish_at"], expected_version=data["version"]
            )
            return "Approved and published." if post.status == PostStatus.PUBLISHED else "Approved."
        decide = (
            post_services.post_request_changes
            if data["decision"] == ReviewForm.REQUEST_CHANGES
            else post_services.post_reject
        )
        decide(acting_user=user, post=post, reason=data["reason"], expected_version=data["version"])
        return "Changes requested from the author." if decide is post_services.post_request_changes else "Rejected."
    if action == "retract":
        if not reason_form.is_valid():
            return None
        post_services.post_retract(acting_user=user, post=post, reason=reason_form.cleaned_data["reason"])
        return "Withdrawn. It stays on the public record, marked withdrawn with your reason."
    if action == "after_review":
        post_services.post_after_review(acting_user=user, post=post)
        return "Marked as reviewed."
    raise Refused("Unknown action.")


@login_required
@require_http_methods(["GET", "POST"])
def update_create(request, reference):
    incident = selectors.incident_for_desk(user=request.user, reference=reference)
    form = PostBodyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            post = post_services.post_draft_update(
                acting_user=request.user, incident=incident, body=form.cleaned_data["body"]
            )
        except Refused as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(request, "Draft saved. Submit it for review when it is ready.")
            return redirect("desk:post_detail", post_id=post.pk)
    check = post_services.check_post_body(form.data.get("body", ""), incident) if form.is_bound else None
    return render(
        request,
        "desk/post_new.html",
        {"form": form, "incident": incident, "check": check, "title": f"Draft an update on {incident.reference}"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_create(request):
    access.require_supervisor_anywhere(request.user, "Only supervisors write alerts.")
    precincts = [p for p in access.precincts_for(request.user) if access.is_supervisor(request.user, p.pk)]
    form = AlertForm(request.POST if request.method == "POST" else None, precincts=precincts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        precinct = next(p for p in precincts if p.pk == data["precinct"])
        try:
            post = post_services.post_create_alert(
                acting_user=request.user, precinct=precinct, body=data["body"], publish_now=data["publish_now"]
            )
        except Refused as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(
                request,
                "Alert published. Another supervisor will review it."
                if post.status == PostStatus.PUBLISHED
                else "Alert saved as a draft. Submit it for review.",
            )
            return redirect("desk:post_detail", post_id=post.pk)
    check = post_services.check_post_body(form.data.get("body", ""), None) if form.is_bound else None
    return render(
        request,
        "desk/post_new.html",
        {"form": form, "check": check, "title": "Write an alert"},
        status=400 if form.errors else 200,
    )


@login_required
def review_queue(request):
    access.require_supervisor_anywhere(request.user, "Only supervisors review posts.")
    posts = selectors.review_queue(user=request.user)
    seen = selectors.last_seen_bodies(posts)
    items = [
        {
            "post": post,
            "check": post_services.check_post_body(post.body, post.incident),
            "diff": word_diff(seen[post.pk], post.body) if post.pk in seen and seen[post.pk] != post.body else None,
            "own": post.author_id == request.user.pk,
        }
        for post in posts
    ]
    return render(request, "desk/review_queue.html", {"items": items})


@login_required
@require_POST
def review_bulk_approve(request):
    access.require_supervisor_anywhere(request.user, "Only supervisors review posts.")
    posts = {p.pk: p for p in selectors.review_queue(user=request.user)}
    form = BulkApproveForm(request.POST, post_ids=list(posts))
    if not form.is_valid():
        messages.error(request, "Choose at least one post to approve.")
        return redirect("desk:review_queue")
    approved, problems = 0, []
    for pk in form.cleaned_data["posts"]:
        try:
            post_services.post_approve(acting_user=request.user, post=posts[pk])
            approved += 1
        except (Refused, PermissionDenied) as refusal:
            problems.append(f"Post {pk}: {getattr(refusal, 'message', None) or refusal}")
    if approved:
        messages.success(request, f"Approved {approved} post{'s' if approved != 1 else ''}.")
    for problem in problems:
        messages.error(request, problem)
    return redirect("desk:review_queue")


@login_required
@require_http_methods(["GET", "POST"])
def precinct_hold(request, slug):
    precinct = get_object_or_404(Precinct, slug=slug, pk__in=access.precinct_ids_for(request.user))
    access.require_supervisor(request.user, precinct.pk)
    form = ReasonForm(request.POST if request.method == "POST" else None, label="Why is publishing on hold?")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "release":
                post_services.precinct_release(acting_user=request.user, precinct=precinct)
                messages.success(request, "Hold lifted. Approved posts go out as their time comes.")
                return redirect("desk:precinct_hold", slug=precinct.slug)
            if form.is_valid():
                post_services.precinct_hold(
                    acting_user=request.user, precinct=precinct, reason=form.cleaned_data["reason"]
                )
                messages.success(request, "Publishing is on hold. Nothing goes out until you lift it.")
                return redirect("desk:precinct_hold", slug=precinct.slug)
        except Refused as refusal:
            _refusal_to_form(form, refusal)
        precinct.refresh_from_db()
    return render(
        request, "desk/precinct_hold.html", {"precinct": precinct, "form": form}, status=400 if form.errors else 200
    )
