"""Every write of the publishing pipeline: the outbox, sending, retraction,
the sweeper, and channel management.

A delivery moves through these states (`Delivery.status`):

    pending ──claim──▶ sending ──▶ sent
       ▲                  │
       └── retry later ◀──┤ (not delivered, or outcome unknown: backoff + jitter)
                          └──▶ failed (refused for good, or attempts used up) ──retry button──▶ pending
    pending/failed ──post withdrawn──▶ cancelled

* A claim is one conditional UPDATE (pending and due → sending, attempts + 1),
  so one worker at a time holds a delivery; every later write of that attempt
  matches the same `attempts` value ("fenced"), so a worker that lost its
  claim cannot overwrite the outcome of the next one.
* No database transaction is open during a network call.
* A claim older than the task's hard time limit (plus margin) belongs to a
  dead task: the sweeper puts the delivery back to pending and marks its
  outcome unknown, and every attempt after an unknown outcome asks the
  network first (see the clients).

Retraction (`Delivery.retract_state`) runs beside it: asking for it stops any
further send claim; a delivery that never left is cancelled; one that did is
deleted where the network allows.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from incidents.models import Post
from incidents.services.errors import Refused
from precincts import access
from precincts.models import Precinct
from publishing import clients, conf, secrets, text
from publishing.clients import Message, NotDelivered, OutcomeUnknown, Published, Rejected, Removal
from publishing.models import SECRET_NAMES, Channel, ChannelKind, Delivery, DeliveryStatus, RetractState
from publishing.tids import new_tid

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, CANCELLED = (
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
)


# --- queueing ----------------------------------------------------------------------


def _queue(task_name: str, ids, *, countdown: float | None = None) -> None:
    """Queue one task per id. A broker that is down is logged, not raised: the
    row is in the database and the sweeper queues it again later."""
    from publishing import tasks

    task = getattr(tasks, task_name)
    if countdown is not None and task.app.conf.task_always_eager:
        # Inline (no broker) a countdown would run at once; the sweeper retries instead.
        return
    for pk in ids:
        try:
            task.apply_async((pk,), countdown=countdown)
        except Exception:  # noqa: BLE001 - broker errors vary by transport
            log.warning("Could not queue %s for delivery %s; the sweeper will.", task_name, pk, exc_info=True)


def _backoff(attempt: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter, never sooner than the network asked."""
    ceiling = min(float(conf.max_countdown()), conf.backoff_base() * 2 ** max(attempt - 1, 0))
    delay = random.uniform(ceiling / 2, ceiling)  # jitter spreads retries of a burst
    if retry_after is not None:
        delay = max(delay, retry_after + random.uniform(0, 1))
    return timedelta(seconds=delay)


# --- the outbox --------------------------------------------------------------------


def _new_key(kind: str) -> str:
    # Bluesky's record key must be a TID; the others take any opaque string.
    return new_tid() if kind == ChannelKind.BLUESKY else uuid.uuid4().hex


def deliveries_create_for_post(*, post: Post) -> list[int]:
    """One delivery per active channel of the post's precinct.

    Call it inside the transaction that publishes the post: the post and its
    deliveries are committed together or not at all. Sending is queued after
    commit.
    """
    channels = list(Channel.objects.active().filter(precinct_id=post.precinct_id))
    if not channels:
        return []
    link = text.permalink(post)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                post=post,
                channel=channel,
                text=text.text_for(channel.kind, post.body, link),
                idempotency_key=_new_key(channel.kind),
                next_attempt_at=now,
            )
            for channel in channels
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _queue("send_delivery", ids), robust=True)
    return ids


def _message(delivery: Delivery) -> Message:
    post = delivery.post
    return Message(
        key=delivery.idempotency_key,
        text=delivery.text,
        permalink=text.permalink(post),
        post_id=post.pk,
        precinct=delivery.channel.precinct.slug,
        kind=post.kind,
        body=post.body,
        published_at=post.published_at,
    )


def _fenced(delivery: Delivery):
    """The delivery, if this worker's claim still holds."""
    return Delivery.objects.filter(pk=delivery.pk, status=SENDING, attempts=delivery.attempts)


def delivery_send(*, delivery_id: int) -> str:
    """One attempt at a delivery: claim it, reconcile if an earlier attempt's
    outcome is unknown, send, and record the outcome. Returns a word saying what
    happened (for logs and tests). Safe to call any number of times."""
    delivery = Delivery.objects.select_related("channel__precinct", "post").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != PENDING or delivery.retract_state:
        return "nothing to do"
    channel = delivery.channel
    if not channel.is_active:
        return "channel disabled"
    if channel.precinct.is_held:
        return "precinct on hold"
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status=PENDING, retract_state="", next_attempt_at__lte=now
    ).update(status=SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "not claimed"
    delivery.refresh_from_db(fields=["status", "attempts", "claimed_at", "unknown_since"])

    outcome = _attempt(delivery)
    if Delivery.objects.filter(pk=delivery.pk, retract_state=RetractState.PENDING).exists():
        # The post was withdrawn while this attempt ran; its retraction waited for it.
        _queue("retract_delivery", [delivery.pk])
    return outcome


def _attempt(delivery: Delivery) -> str:
    try:
        client = clients.for_channel(delivery.channel)
    except secrets.SecretsUnavailable as exc:
        return _fail(delivery, exc.message)
    found = None
    try:
        message = _message(delivery)
        if delivery.unknown_since:
            found = client.reconcile(message, unknown_since=delivery.unknown_since)
        published = found or client.publish(message)
    except Rejected as exc:
        return _fail(delivery, exc.message)
    except NotDelivered as exc:
        return _retry_later(delivery, exc.message, retry_after=exc.retry_after, unknown=False)
    except OutcomeUnknown as exc:
        return _retry_later(delivery, exc.message, unknown=True)
    except SoftTimeLimitExceeded:
        return _retry_later(delivery, "The attempt ran out of time; the next one checks first.", unknown=True)
    except Exception as exc:  # noqa: BLE001 - an unexpected answer may still mean it arrived
        log.exception("Delivery %s: unexpected error", delivery.pk)
        return _retry_later(
            delivery, f"Unexpected error ({type(exc).__name__}); the next attempt checks first.", unknown=True
        )
    finally:
        client.close()
    return _mark_sent(delivery, published, reconciled=found is not None)


def _mark_sent(delivery: Delivery, published: Published, *, reconciled: bool) -> str:
    updated = _fenced(delivery).update(
        status=SENT,
        sent_at=timezone.now(),
        remote_id=published.remote_id[:300],
        remote_url=published.remote_url[:500],
        last_error="",
    )
    if not updated:
        # Only possible if the claim outlived the hard time limit: the next
        # attempt reconciles, so the post is recorded, not sent again.
        log.warning("Delivery %s was sent but its claim had expired.", delivery.pk)
        return "claim lost"
    return "found" if reconciled else "sent"


def _fail(delivery: Delivery, message: str, *, unknown: bool = False) -> str:
    fields = {"status": FAILED, "last_error": message[:500]}
    if unknown:
        fields["unknown_since"] = Coalesce(F("unknown_since"), Value(timezone.now()))
    _fenced(delivery).update(**fields)
    log.info("Delivery %s failed: %s", delivery.pk, message)
    return "failed"


def _retry_later(delivery: Delivery, message: str, *, retry_after: float | None = None, unknown: bool) -> str:
    if delivery.attempts >= conf.max_attempts():
        return _fail(delivery, f"Gave up after {delivery.attempts} attempts. Last: {message}", unknown=unknown)
    delay = _backoff(delivery.attempts, retry_after)
    fields = {"status": PENDING, "next_attempt_at": timezone.now() + delay, "last_error": message[:500]}
    if unknown:
        fields["unknown_since"] = Coalesce(F("unknown_since"), Value(timezone.now()))
    if _fenced(delivery).update(**fields) and delay.total_seconds() <= conf.max_countdown():
        _queue("send_delivery", [delivery.pk], countdown=delay.total_seconds())
    return "unknown" if unknown else "retry"


# --- retraction --------------------------------------------------------------------


def deliveries_retract_for_post(*, post: Post) -> list[int]:
    """Ask for the post to be taken down from every channel it went to.

    Call it inside the transaction that retracts the post. From then on no
    delivery of the post is claimed for sending; the work is queued after commit.
    """
    ids = list(Delivery.objects.filter(post=post, retract_state="").values_list("pk", flat=True))
    if not ids:
        return []
    Delivery.objects.filter(pk__in=ids, retract_state="").update(
        retract_state=RetractState.PENDING, retract_next_at=timezone.now()
    )
    transaction.on_commit(lambda: _queue("retract_delivery", ids), robust=True)
    return ids


def _removal(delivery: Delivery) -> Removal:
    post = delivery.post
    return Removal(
        key=delivery.idempotency_key,
        remote_id=delivery.remote_id,
        permalink=text.permalink(post),
        post_id=post.pk,
        precinct=delivery.channel.precinct.slug,
        reason=post.retraction_reason,
        retracted_at=post.retracted_at or timezone.now(),
    )


def delivery_retract(*, delivery_id: int) -> str:
    """One attempt to take a withdrawn post down from one channel."""
    delivery = Delivery.objects.select_related("channel__precinct", "post").filter(pk=delivery_id).first()
    if delivery is None or delivery.retract_state != RetractState.PENDING:
        return "nothing to do"
    now = timezone.now()
    # Never while a send is in flight: it finishes first, then this runs.
    claimed = (
        Delivery.objects.filter(pk=delivery.pk, retract_state=RetractState.PENDING, retract_next_at__lte=now)
        .exclude(status=SENDING)
        .update(
            retract_state=RetractState.DELETING, retract_claimed_at=now, retract_attempts=F("retract_attempts") + 1
        )
    )
    if not claimed:
        return "not claimed"
    delivery.refresh_from_db()
    fenced = Delivery.objects.filter(
        pk=delivery.pk, retract_state=RetractState.DELETING, retract_attempts=delivery.retract_attempts
    )
    if delivery.status != SENT and not delivery.unknown_since:
        # It never left: nothing to take down, and it must not go now.
        fenced.update(status=CANCELLED, retract_state=RetractState.NOT_NEEDED)
        return "nothing to remove"

    client = None
    try:
        client = clients.for_channel(delivery.channel)
        if delivery.status != SENT:
            # An earlier attempt may have arrived: look before deciding.
            found = client.find(_message(delivery))
            if found is None:
                fenced.update(status=CANCELLED, retract_state=RetractState.NOT_NEEDED)
                return "nothing to remove"
            fenced.update(
                status=SENT,
                sent_at=Coalesce(F("sent_at"), Value(now)),
                remote_id=found.remote_id[:300],
                remote_url=found.remote_url[:500],
            )
            delivery.remote_id = found.remote_id
        client.delete(_removal(delivery))
    except (Rejected, secrets.SecretsUnavailable) as exc:
        fenced.update(retract_state=RetractState.FAILED, delete_error=exc.message[:500])
        return "failed"
    except (NotDelivered, OutcomeUnknown, SoftTimeLimitExceeded, Exception) as exc:  # noqa: BLE001 - deleting again is safe
        message = getattr(exc, "message", None) or f"Unexpected error ({type(exc).__name__})."
        if not isinstance(exc, NotDelivered | OutcomeUnknown | SoftTimeLimitExceeded):
            log.exception("Retraction of delivery %s: unexpected error", delivery.pk)
        if delivery.retract_attempts >= conf.max_attempts():
            fenced.update(retract_state=RetractState.FAILED, delete_error=f"Gave up: {message}"[:500])
            return "failed"
        delay = _backoff(delivery.retract_attempts, getattr(exc, "retry_after", None))
        if (
            fenced.update(retract_state=RetractState.PENDING, retract_next_at=now + delay, delete_error=message[:500])
            and delay.total_seconds() <= conf.max_countdown()
        ):
            _queue("retract_delivery", [delivery.pk], countdown=delay.total_seconds())
        return "retry"
    finally:
        if client is not None:
            client.close()
    fenced.update(retract_state=RetractState.DELETED, deleted_at=timezone.now(), delete_error="")
    return "deleted"


# --- the sweeper -------------------------------------------------------------------


def deliveries_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Run by beat: hand back claims of dead tasks, and queue again what is due
    but whose message is late or lost (a broker restart, a crash, a retry later
    than the broker holds). Safe to run often and twice at once: every change
    is a conditional UPDATE and a delivery queued twice is claimed once."""
    now = now or timezone.now()
    expired = now - timedelta(seconds=conf.claim_expiry())
    stale = now - timedelta(seconds=conf.requeue_after())
    batch = conf.sweep_batch()
    counts = {"reclaimed": 0, "gave_up": 0, "queued": 0, "retractions_queued": 0}

    # 1. Sends whose task died: the post may have arrived, so the next attempt looks first.
    reclaimed = []
    for pk, attempts in Delivery.objects.filter(status=SENDING, claimed_at__lt=expired).values_list("pk", "attempts")[
        :batch
    ]:
        fenced = Delivery.objects.filter(pk=pk, status=SENDING, attempts=attempts)
        unknown = Coalesce(F("unknown_since"), F("claimed_at"))
        if attempts >= conf.max_attempts():
            counts["gave_up"] += fenced.update(
                status=FAILED,
                unknown_since=unknown,
                last_error=f"Gave up after {attempts} attempts; the worker stopped during the last one, "
                "so the post may have arrived. Retry to check and finish.",
            )
        elif fenced.update(
            status=PENDING,
            next_attempt_at=now,
            unknown_since=unknown,
            last_error=f"The worker stopped during attempt {attempts}; the next attempt checks "
            "with the network before sending again.",
        ):
            reclaimed.append(pk)
    counts["reclaimed"] = len(reclaimed)

    # 2. Retractions whose task died: deleting again is harmless.
    Delivery.objects.filter(retract_state=RetractState.DELETING, retract_claimed_at__lt=expired).update(
        retract_state=RetractState.PENDING, retract_next_at=now
    )

    # 3. Due sends that nobody picked up for a while: their message is gone.
    lost = list(
        Delivery.objects.filter(
            status=PENDING,
            retract_state="",
            next_attempt_at__lte=stale,
            channel__is_active=True,
            channel__precinct__hold_at__isnull=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    # Moving next_attempt_at to now spaces out the next re-queue by `requeue_after`.
    Delivery.objects.filter(pk__in=lost, status=PENDING).update(next_attempt_at=now)
    to_send = reclaimed + lost
    _queue("send_delivery", to_send)
    counts["queued"] = len(to_send)

    # 4. The same for retractions.
    retractions = list(
        Delivery.objects.filter(retract_state=RetractState.PENDING, retract_next_at__lte=stale)
        .order_by("retract_next_at")
        .values_list("pk", flat=True)[:batch]
    )
    Delivery.objects.filter(pk__in=retractions, retract_state=RetractState.PENDING).update(retract_next_at=now)
    # A reclaimed retraction (step 2) is due now; queue it without waiting a round.
    retractions += list(
        Delivery.objects.filter(retract_state=RetractState.PENDING, retract_next_at=now)
        .exclude(pk__in=retractions)
        .values_list("pk", flat=True)[:batch]
    )
    _queue("retract_delivery", retractions)
    counts["retractions_queued"] = len(retractions)
    if any(counts.values()):
        log.info("Delivery sweep: %s", counts)
    return counts


# --- people's actions --------------------------------------------------------------


def _require_supervisor(acting_user, precinct_id: int) -> None:
    if acting_user is not None and acting_user.is_superuser:
        return
    access.require_supervisor(acting_user, precinct_id)


def delivery_retry(*, acting_user, delivery: Delivery) -> Delivery:
    """A supervisor sends a failed delivery again, with a fresh round of attempts.

    If an earlier attempt's outcome was unknown, the retry still asks the
    network first, so it cannot post twice.
    """
    _require_supervisor(acting_user, delivery.channel.precinct_id)
    now = timezone.now()
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, status=FAILED, retract_state="").update(
            status=PENDING, attempts=0, next_attempt_at=now, retried_by=acting_user, retried_at=now
        )
        if not updated:
            raise Refused("This delivery is no longer failed; nothing to retry.")
        transaction.on_commit(lambda: _queue("send_delivery", [delivery.pk]), robust=True)
    delivery.refresh_from_db()
    return delivery


_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_channel_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Refused("Enter a full web address, starting with https://.", field="url") from None
    parsed = urlparse(url)
    if parsed.scheme != "https" and not _is_loopback(parsed.hostname or ""):
        # Secrets and posts travel in this request; only a local test server may use plain http.
        raise Refused("Use an https:// address (plain http only for a server on this machine).", field="url")
    return url.rstrip("/") if parsed.path in ("", "/") else url


def channel_create(
    *,
    acting_user=None,
    precinct: Precinct,
    kind: str,
    url: str,
    secret: str,
    handle: str = "",
    name: str = "",
    is_active: bool = True,
) -> Channel:
    """Add a channel to a precinct (administrators, `add_channel`).

    `secret` is the access token (Mastodon), app password (Bluesky) or shared
    secret (webhook); it is stored encrypted and never shown again.
    """
    if acting_user is not None:
        _require_supervisor(acting_user, precinct.pk)
    if kind not in ChannelKind.values:
        raise Refused(f"Choose one of: {', '.join(ChannelKind.values)}.", field="kind")
    url = clean_channel_url(url)
    handle = (handle or "").strip().lstrip("@")
    if kind == ChannelKind.BLUESKY and not handle:
        raise Refused("A Bluesky channel needs the account's handle.", field="handle")
    if not (secret or "").strip():
        raise Refused(f"A {ChannelKind(kind).label} channel needs its {SECRET_NAMES[kind]}.", field="secret")
    if not secrets.can_store_secrets():
        raise Refused(secrets.MISSING_KEY_MESSAGE, field="secret")
    if Channel.objects.filter(precinct=precinct, kind=kind, url=url, handle=handle).exists():
        raise Refused("This precinct already has that channel.")
    channel = Channel(
        precinct=precinct, kind=kind, url=url, handle=handle, name=(name or "").strip()[:80], is_active=is_active
    )
    channel.set_secret(secret.strip())
    channel.save()
    log.info("Channel %s (%s) added to precinct %s.", channel.pk, kind, precinct.slug)
    return channel


def channel_set_active(*, acting_user, channel: Channel, active: bool) -> Channel:
    """Enable or disable a channel. Deliveries of a disabled channel wait; none is lost."""
    _require_supervisor(acting_user, channel.precinct_id)
    updated = Channel.objects.filter(pk=channel.pk).update(
        is_active=active, active_changed_by=acting_user, active_changed_at=timezone.now()
    )
    if not updated:
        raise Refused("This channel no longer exists.")
    channel.refresh_from_db()
    if active:
        # Deliveries that waited while it was off go out now.
        waiting = Delivery.objects.filter(
            channel=channel, status=PENDING, retract_state="", next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)
        ids = list(waiting[: conf.sweep_batch()])
        transaction.on_commit(lambda: _queue("send_delivery", ids), robust=True)
    log.info("Channel %s %s by user %s.", channel.pk, "enabled" if active else "disabled", acting_user.pk)
    return channel


def channel_send_test(*, acting_user, channel: Channel) -> tuple[bool, str]:
    """Check a channel's address and credentials now (sign in, or a signed ping
    to a webhook); nothing is posted publicly. Records and returns the result."""
    _require_supervisor(acting_user, channel.precinct_id)
    client = None
    try:
        client = clients.for_channel(channel)
        ok, message = True, client.check()
    except (Rejected, NotDelivered, OutcomeUnknown, secrets.SecretsUnavailable) as exc:
        ok, message = False, exc.message
    finally:
        if client is not None:
            client.close()
    Channel.objects.filter(pk=channel.pk).update(
        last_test_at=timezone.now(), last_test_ok=ok, last_test_message=message[:300]
    )
    channel.refresh_from_db()
    return ok, message


__all__ = [
    "channel_create",
    "channel_send_test",
    "channel_set_active",
    "deliveries_create_for_post",
    "deliveries_retract_for_post",
    "deliveries_sweep",
    "delivery_retract",
    "delivery_retry",
    "delivery_send",
]
