"""Reads of the publishing pipeline for the desk, always scoped to a precinct."""

from dataclasses import dataclass

from django.db.models import Count, Q

from precincts import access
from publishing.models import Channel, Delivery, DeliveryStatus


@dataclass(frozen=True)
class DeliveriesPanel:
    """A post's deliveries as the desk shows them, and whether the viewer may retry."""

    rows: list
    can_retry: bool
    precinct_slug: str


def deliveries_for_post(*, user, post) -> DeliveriesPanel:
    """The deliveries of a post the user may see (the caller already checked the post)."""
    rows = list(
        Delivery.objects.filter(post=post, channel__precinct_id__in=access.precinct_ids_for(user))
        .select_related("channel")
        .order_by("channel__kind", "channel_id")
    )
    return DeliveriesPanel(
        rows=rows, can_retry=access.is_supervisor(user, post.precinct_id), precinct_slug=post.precinct.slug
    )


def channels_for_precinct(*, precinct):
    """The precinct's channels, each with counts of its deliveries by state."""
    return (
        Channel.objects.filter(precinct=precinct)
        .annotate(
            waiting=Count("deliveries", filter=Q(deliveries__status__in=["pending", "sending"])),
            failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            sent=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
        )
        .order_by("kind", "id")
    )


def failed_deliveries(*, precinct, limit: int = 50):
    """Failed deliveries of the precinct's channels, newest first, for the retry list."""
    return (
        Delivery.objects.filter(channel__precinct=precinct, status=DeliveryStatus.FAILED)
        .select_related("channel", "post")
        .order_by("-id")[:limit]
    )
