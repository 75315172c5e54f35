"""Channels (where a precinct's published posts also go) and deliveries (one
post to one channel).

A `Delivery` is an outbox row: it is written in the transaction that
publishes the post, so a post is never published without its deliveries, and
it records every step of getting the post out: claims, attempts, errors, the
remote link and any retraction. See `publishing/services.py` for the state
machine and NOTES_FOR_DOCS.md for why it delivers exactly once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from incidents.models import Post
from precincts.models import Precinct


class ChannelKind(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    WEBHOOK = "webhook", "Webhook"


# What each kind keeps encrypted, as named by `add_channel`'s options.
SECRET_NAMES = {
    ChannelKind.MASTODON: "access token",
    ChannelKind.BLUESKY: "app password",
    ChannelKind.WEBHOOK: "shared secret",
}


class ChannelQuerySet(models.QuerySet):
    def for_precincts(self, precinct_ids):
        return self.filter(precinct_id__in=precinct_ids)

    def active(self):
        return self.filter(is_active=True)


class Channel(models.Model):
    """One account or endpoint of a precinct: a Mastodon account, a Bluesky
    account or the agency's webhook. Its secret is stored encrypted and is
    never shown again once saved."""

    precinct = models.ForeignKey(Precinct, on_delete=models.PROTECT, related_name="channels")
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    name = models.CharField(max_length=80, blank=True, help_text="A label for staff, e.g. “@precinct42 on Mastodon”.")
    url = models.URLField(
        "URL",
        max_length=300,
        help_text="Mastodon: the instance (https://mastodon.social). Bluesky: the service "
        "(https://bsky.social). Webhook: the address that receives the signed JSON.",
    )
    handle = models.CharField(
        max_length=253, blank=True, help_text="Bluesky: the account's handle. Others: optional label."
    )
    # A Fernet token (publishing/secrets.py); the plain value is never stored or shown.
    secret_encrypted = models.TextField(blank=True, editable=False)
    is_active = models.BooleanField("active", default=True)
    active_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active_changed_at = models.DateTimeField(null=True, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["precinct", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"),
            models.CheckConstraint(condition=~Q(kind="bluesky") | ~Q(handle=""), name="channel_bluesky_has_handle"),
            # Two identical channels would post everything twice.
            models.UniqueConstraint(fields=["precinct", "kind", "url", "handle"], name="channel_one_per_target"),
        ]
        # Publishing a post reads the precinct's active channels.
        indexes = [models.Index(fields=["precinct", "is_active"], name="channel_precinct_active")]

    def __str__(self):
        label = self.name or self.handle or self.url
        return f"{self.get_kind_display()}: {label}"

    def __repr__(self):
        # Never the secret, not even encrypted.
        return f"<Channel {self.pk} {self.kind} {self.url!r}>"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def set_secret(self, plain: str) -> None:
        from publishing import secrets

        self.secret_encrypted = secrets.encrypt(plain) if plain else ""

    def get_secret(self) -> str:
        from publishing import secrets

        return secrets.decrypt(self.secret_encrypted) if self.secret_encrypted else ""


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Not sent (post withdrawn)"


class RetractState(models.TextChoices):
    NONE = "", "—"
    PENDING = "pending", "Removal waiting"
    DELETING = "deleting", "Removing"
    DELETED = "deleted", "Removed"
    NOT_NEEDED = "not_needed", "Nothing to remove"
    FAILED = "failed", "Removal failed"


class Delivery(models.Model):
    """One published post on its way to one channel."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # The exact text for this network, fixed when the post was published, so
    # that every attempt sends (and every look-up finds) the same thing.
    text = models.TextField()
    # Chosen before the first call and never changed: Mastodon's
    # Idempotency-Key, Bluesky's record key (a TID), the webhook's Idempotency-Key.
    idempotency_key = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField(default=0)
    # When the next attempt may start; the sweeper also moves it forward when
    # it queues the delivery again.
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set when an attempt may have reached the network without our knowing
    # (a timeout after sending, a worker that died mid-call): every later
    # attempt asks the network first.
    unknown_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retried_at = models.DateTimeField(null=True, blank=True)

    # --- retraction: removing the post from the network again --------------
    retract_state = models.CharField(max_length=20, choices=RetractState.choices, default="", blank=True)
    retract_attempts = models.PositiveIntegerField(default=0)
    retract_next_at = models.DateTimeField(null=True, blank=True)
    retract_claimed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    delete_error = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "channel__kind", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="delivery_one_per_post_channel"),
            models.UniqueConstraint(fields=["channel", "idempotency_key"], name="delivery_key_unique_per_channel"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(
                condition=Q(retract_state__in=RetractState.values), name="delivery_retract_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False), name="delivery_sending_is_claimed"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(retract_state="deleting") | Q(retract_claimed_at__isnull=False),
                name="delivery_deleting_is_claimed",
            ),
        ]
        indexes = [
            # The sweeper: pending deliveries whose time has come.
            models.Index(
                fields=["next_attempt_at"], name="delivery_due", condition=Q(status="pending", retract_state="")
            ),
            # The sweeper: claims held too long by a dead task.
            models.Index(fields=["claimed_at"], name="delivery_claimed", condition=Q(status="sending")),
            # The sweeper: retractions to start or to take back from a dead task.
            models.Index(
                fields=["retract_next_at"],
                name="delivery_retract_due",
                condition=Q(retract_state__in=["pending", "deleting"]),
            ),
            # The channels page: a precinct's failed deliveries, per channel.
            models.Index(fields=["channel", "-id"], name="delivery_failed", condition=Q(status="failed")),
        ]

    def __str__(self):
        return f"post {self.post_id} → channel {self.channel_id} ({self.status})"

    @property
    def can_retry(self) -> bool:
        return self.status == DeliveryStatus.FAILED and not self.retract_state
