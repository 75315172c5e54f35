"""Celery tasks. Each takes ids and calls a service or sends mail; none holds business rules."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.models import Post, PostEvent
from precincts.models import Membership


@shared_task(ignore_result=True)
def publish_due_posts() -> int:
    """Run by beat every few seconds: publish approved posts whose time has come."""
    from incidents.services.posts import posts_publish_due

    return posts_publish_due()


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_post_in_review(post_id: int) -> int:
    """E-mail the precinct's supervisors (but not the author) that a post waits for review."""
    post = Post.objects.select_related("precinct", "author").filter(pk=post_id).first()
    if post is None:
        return 0
    recipients = list(
        Membership.objects.filter(precinct_id=post.precinct_id, role=Membership.Role.SUPERVISOR)
        .exclude(user_id=post.author_id)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    context = {"post": post, "url": settings.SITE_URL + reverse("desk:review_queue")}
    return send_mail(
        subject=f"[{post.precinct.code}] A post waits for your review",
        message=render_to_string("email/post_in_review.txt", context),
        from_email=None,
        recipient_list=recipients,
    )


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_post_decision(post_id: int, event_id: int) -> int:
    """E-mail the author what a supervisor decided about their post."""
    event = PostEvent.objects.select_related("post__author", "post__precinct", "actor").filter(pk=event_id).first()
    if event is None or event.post_id != post_id or not event.post.author.email:
        return 0
    context = {
        "event": event,
        "post": event.post,
        "url": settings.SITE_URL + reverse("desk:post_detail", args=[post_id]),
    }
    return send_mail(
        subject=f"[{event.post.precinct.code}] Your post: {event.get_to_status_display().lower()}",
        message=render_to_string("email/post_decision.txt", context),
        from_email=None,
        recipient_list=[event.post.author.email],
    )
