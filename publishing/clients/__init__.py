"""One small client per network, each with the same four calls:

    publish(message) -> Published          send the post
    reconcile(message, unknown_since=…)    is it there already? (Published or None)
    delete(removal) -> str                 take it down (retraction)
    check() -> str                         "send a test": sign in / ping

Each raises `NotDelivered`, `OutcomeUnknown` or `Rejected` (see base.py).
"""

from publishing.clients.base import (
    DeliveryError,
    Message,
    NotDelivered,
    OutcomeUnknown,
    Published,
    Rejected,
    Removal,
)
from publishing.clients.bluesky import BlueskyClient
from publishing.clients.mastodon import MastodonClient
from publishing.clients.webhook import WebhookClient
from publishing.conf import http_timeout
from publishing.models import Channel, ChannelKind

__all__ = [
    "DeliveryError",
    "Message",
    "NotDelivered",
    "OutcomeUnknown",
    "Published",
    "Rejected",
    "Removal",
    "for_channel",
]

_CLIENTS = {
    ChannelKind.MASTODON: MastodonClient,
    ChannelKind.BLUESKY: BlueskyClient,
    ChannelKind.WEBHOOK: WebhookClient,
}


def for_channel(channel: Channel):
    """The client for a channel, with its secret decrypted for this call only."""
    secret = channel.get_secret()
    return _CLIENTS[channel.kind](
        url=channel.url,
        handle=channel.handle,
        token=secret,
        password=secret,
        secret=secret,
        timeout=http_timeout(),
    )
