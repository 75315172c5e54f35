"""The outbox: deliveries made with the post, claims, the sweeper, retraction."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incidents.models import PostStatus
from incidents.services.posts import post_approve, post_retract, post_submit, posts_publish_due
from publishing import conf
from publishing.clients import for_channel
from publishing.models import Delivery, DeliveryStatus, RetractState
from publishing.services import (
    _message,
    channel_set_active,
    deliveries_sweep,
    delivery_retract,
    delivery_send,
)
from tests.factories import MembershipFactory, UserFactory
from tests.publishing.conftest import make_due
from tests.support import require_postgresql


def deliveries_of(post) -> dict[str, Delivery]:
    return {d.channel.kind: d for d in Delivery.objects.filter(post=post).select_related("channel")}


# --- made with the post ---------------------------------------------------------------


def test_it_makes_one_delivery_per_active_channel_in_the_publishing_transaction(
    publish, channels, django_capture_on_commit_callbacks
):
    channels["webhook"].is_active = False
    channels["webhook"].save(update_fields=["is_active"])

    post = publish(run=False)

    deliveries = deliveries_of(post)
    assert set(deliveries) == {"mastodon", "bluesky"}
    assert all(d.status == DeliveryStatus.PENDING and d.attempts == 0 for d in deliveries.values())
    assert len(deliveries["bluesky"].idempotency_key) == 13  # a TID, chosen before any call
    assert len(deliveries["mastodon"].idempotency_key) == 32


def test_it_queues_sending_only_after_commit(publish, mastodon_channel, mastodon):
    post = publish(run=False)
    # The transaction committed, the queued task has not run: nothing went out before commit.
    assert deliveries_of(post)["mastodon"].status == DeliveryStatus.PENDING
    assert not mastodon.statuses


def test_it_makes_no_delivery_when_publishing_is_rolled_back(publish, mastodon_channel, mastodon):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(run=False)
        raise RuntimeError("the request failed after publishing")
    assert not Delivery.objects.exists()
    assert not mastodon.statuses


def test_it_makes_deliveries_for_a_post_published_on_schedule(
    precinct_a, officer, supervisor, incident, mastodon_channel, mastodon, django_capture_on_commit_callbacks
):
    from incidents.services.posts import post_draft_update

    post = post_draft_update(acting_user=officer, incident=incident, body="Officers spoke with the party host.")
    post_submit(acting_user=officer, post=post)
    post_approve(acting_user=supervisor, post=post, publish_at=timezone.now() + timedelta(minutes=5))
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert posts_publish_due(now=timezone.now() + timedelta(minutes=6)) == 1
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert deliveries_of(post)["mastodon"].status == DeliveryStatus.SENT
    assert len(mastodon.statuses) == 1


def test_it_allows_one_delivery_per_post_and_channel(publish, mastodon_channel):
    delivery = deliveries_of(publish())["mastodon"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            post=delivery.post,
            channel=delivery.channel,
            text="again",
            idempotency_key="another-key",
            next_attempt_at=timezone.now(),
        )


def test_it_does_not_claim_a_delivery_another_worker_holds(publish, mastodon_channel, mastodon):
    delivery = deliveries_of(publish(run=False))["mastodon"]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert delivery_send(delivery_id=delivery.pk) == "nothing to do"
    assert not mastodon.statuses


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_many_simultaneous_workers_send(precinct_a, supervisor, mastodon):
    """Real row-level races need PostgreSQL (SQLite serialises whole transactions)."""
    require_postgresql()
    from incidents.services.posts import post_create_alert
    from publishing.services import channel_create

    channel_create(precinct=precinct_a, kind="mastodon", url=mastodon.url, secret=mastodon.token)
    mastodon.latency = 0.2
    # Without running the on-commit task: the threads below are the workers.
    from unittest import mock

    with mock.patch("publishing.services._queue"):
        post = post_create_alert(
            acting_user=supervisor, precinct=precinct_a, body="Officers cleared the lot.", publish_now=True
        )
    delivery = Delivery.objects.get(post=post)
    barrier = threading.Barrier(6)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(delivery_send(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes).count("sent") == 1, outcomes
    assert sum(mastodon.received.values()) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


# --- the sweeper --------------------------------------------------------------------------


def test_it_hands_a_dead_workers_claim_to_another_that_checks_before_resending(publish, channels, fakes, settings):
    post = publish(run=False)
    deliveries = deliveries_of(post)
    # Each worker sent its post, then died before recording it (SIGKILL, power cut).
    for delivery in deliveries.values():
        client = for_channel(delivery.channel)
        client.publish(_message(delivery))
        client.close()
    long_ago = timezone.now() - timedelta(seconds=settings.PUBLISHING_CLAIM_EXPIRY + 1)
    Delivery.objects.update(status=DeliveryStatus.SENDING, claimed_at=long_ago, attempts=1)

    counts = deliveries_sweep()  # tasks run inline here

    assert counts["reclaimed"] == 3
    for kind, delivery in deliveries_of(post).items():
        assert delivery.status == DeliveryStatus.SENT, (kind, delivery.last_error)
        assert delivery.attempts == 2
        assert delivery.unknown_since == long_ago
    assert len(fakes["mastodon"].statuses) == 1
    assert len(fakes["bluesky"].records) == 1
    assert len(fakes["webhook"].accepted) == 1


def test_it_leaves_a_claim_alone_until_the_task_must_be_dead(publish, mastodon_channel, settings):
    delivery = deliveries_of(publish(run=False))["mastodon"]
    recent = timezone.now() - timedelta(seconds=settings.PUBLISHING_TASK_TIME_LIMIT)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=recent, attempts=1)

    assert deliveries_sweep()["reclaimed"] == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING


def test_it_fails_a_dead_claim_on_the_last_attempt_and_says_it_may_have_arrived(publish, mastodon_channel, settings):
    delivery = deliveries_of(publish(run=False))["mastodon"]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1), attempts=8
    )

    assert deliveries_sweep()["gave_up"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.unknown_since is not None
    assert "may have arrived" in delivery.last_error


def test_it_queues_again_a_delivery_whose_message_was_lost(publish, mastodon_channel, mastodon):
    delivery = deliveries_of(publish(run=False))["mastodon"]  # its on-commit message never ran: "lost"
    assert deliveries_sweep()["queued"] == 0  # just queued: give the broker time

    # Due for longer than a message takes to run: the broker lost it (restart, crash).
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=conf.requeue_after() + 1)
    )
    assert deliveries_sweep()["queued"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mastodon.statuses) == 1


def test_it_does_not_sweep_deliveries_of_a_held_precinct_or_a_disabled_channel(publish, channels, precinct_a, fakes):
    post = publish(run=False)
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))
    channels["webhook"].is_active = False
    channels["webhook"].save(update_fields=["is_active"])
    precinct_a.hold_at = timezone.now()
    precinct_a.save(update_fields=["hold_at"])

    assert deliveries_sweep()["queued"] == 0

    precinct_a.hold_at = None
    precinct_a.save(update_fields=["hold_at"])
    assert deliveries_sweep()["queued"] == 2
    deliveries = deliveries_of(post)
    assert deliveries["webhook"].status == DeliveryStatus.PENDING
    assert deliveries["mastodon"].status == deliveries["bluesky"].status == DeliveryStatus.SENT


def test_it_sends_what_waited_when_a_channel_is_turned_back_on(
    publish, mastodon_channel, mastodon, supervisor, django_capture_on_commit_callbacks
):
    channel_set_active(acting_user=supervisor, channel=mastodon_channel, active=False)
    # Made while it was on (e.g. published a moment before it was turned off).
    post = publish(run=False)
    assert not Delivery.objects.filter(post=post).exists()
    channel_set_active(acting_user=supervisor, channel=mastodon_channel, active=True)
    post2 = publish(run=False)
    channel_set_active(acting_user=supervisor, channel=mastodon_channel, active=False)
    assert delivery_send(delivery_id=deliveries_of(post2)["mastodon"].pk) == "channel disabled"

    with django_capture_on_commit_callbacks(execute=True):
        channel_set_active(acting_user=supervisor, channel=mastodon_channel, active=True)

    assert deliveries_of(post2)["mastodon"].status == DeliveryStatus.SENT
    assert len(mastodon.statuses) == 1


# --- retraction -------------------------------------------------------------------------------


@pytest.fixture
def retract(supervisor, django_capture_on_commit_callbacks):
    def _retract(post, *, run=True):
        with django_capture_on_commit_callbacks(execute=run):
            return post_retract(acting_user=supervisor, post=post, reason="Posted about the wrong street.")

    return _retract


def test_it_takes_a_withdrawn_post_down_from_every_channel(publish, retract, channels, fakes):
    post = publish()
    retract(post)

    for kind, delivery in deliveries_of(post).items():
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.retract_state == RetractState.DELETED, (kind, delivery.delete_error)
        assert delivery.deleted_at is not None
    assert not fakes["mastodon"].statuses and len(fakes["mastodon"].deleted) == 1
    assert not fakes["bluesky"].records and len(fakes["bluesky"].deleted) == 1
    [event] = fakes["webhook"].events("post.retracted")
    assert event["post"]["id"] == post.pk
    assert event["post"]["reason"] == "Posted about the wrong street."


def test_it_cancels_a_delivery_that_had_not_left_when_the_post_was_withdrawn(publish, retract, channels, fakes):
    post = publish(run=False)
    retract(post)

    for delivery in deliveries_of(post).values():
        assert delivery.status == DeliveryStatus.CANCELLED
        assert delivery.retract_state == RetractState.NOT_NEEDED
        # Its queued send task, arriving late, does nothing.
        make_due(delivery)
        assert delivery_send(delivery_id=delivery.pk) == "nothing to do"
    assert not fakes["mastodon"].received and not fakes["bluesky"].create_calls and not fakes["webhook"].received


@pytest.mark.parametrize("kind", ["mastodon", "bluesky"])
def test_it_finds_and_removes_a_post_whose_outcome_was_unknown(publish, retract, channels, fakes, kind):
    for other, channel in channels.items():
        if other != kind:
            channel.is_active = False
            channel.save(update_fields=["is_active"])
    fakes[kind].script.append("timeout")
    post = publish()
    assert deliveries_of(post)[kind].unknown_since is not None

    retract(post)

    delivery = deliveries_of(post)[kind]
    assert delivery.retract_state == RetractState.DELETED, delivery.delete_error
    assert delivery.status == DeliveryStatus.SENT  # it had arrived: recorded, then removed
    assert len(fakes[kind].deleted) == 1


def test_it_waits_for_a_send_in_flight_before_taking_the_post_down(
    publish, retract, mastodon_channel, mastodon, django_capture_on_commit_callbacks
):
    post = publish(run=False)
    delivery = deliveries_of(post)["mastodon"]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )
    retract(post)
    delivery.refresh_from_db()
    assert delivery.retract_state == RetractState.PENDING  # not while the send runs

    # The send finishes (as its worker would) and hands over to the retraction.
    client = for_channel(delivery.channel)
    published = client.publish(_message(delivery))
    client.close()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), remote_id=published.remote_id
    )
    assert delivery_retract(delivery_id=delivery.pk) == "deleted"
    assert not mastodon.statuses


def test_it_records_a_removal_the_network_refuses(publish, retract, mastodon_channel, mastodon):
    post = publish()
    mastodon.token = "revoked"  # the account's token was revoked since
    retract(post)

    delivery = deliveries_of(post)["mastodon"]
    assert delivery.retract_state == RetractState.FAILED
    assert "(401)" in delivery.delete_error
    assert len(mastodon.statuses) == 1


def test_it_keeps_the_officer_and_outsider_out_of_retrying(publish, mastodon_channel, mastodon, officer, outsider):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from publishing.services import delivery_retry

    mastodon.script.append("422")
    delivery = deliveries_of(publish())["mastodon"]
    with pytest.raises(PermissionDenied):
        delivery_retry(acting_user=officer, delivery=delivery)
    with pytest.raises(Http404):
        delivery_retry(acting_user=outsider, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_it_lets_a_supervisor_of_the_precinct_only_manage_its_channels(mastodon_channel, precinct_b):
    supervisor_b = MembershipFactory(user=UserFactory(username="sup-b"), precinct=precinct_b, role="supervisor").user
    from django.http import Http404

    with pytest.raises(Http404):
        channel_set_active(acting_user=supervisor_b, channel=mastodon_channel, active=False)
