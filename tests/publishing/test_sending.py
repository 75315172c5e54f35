"""Sending one delivery: every outcome a network can give, on every network."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.checks import measure
from publishing.models import Delivery, DeliveryStatus
from publishing.services import channel_create, deliveries_sweep, delivery_retry, delivery_send
from tests.publishing.conftest import SITE_URL, make_due
from tests.publishing.fakes import FakeBluesky, FakeMastodon, FakeWebhook, free_port

KINDS = ["mastodon", "bluesky", "webhook"]
SECRETS = {"mastodon": FakeMastodon.token, "bluesky": FakeBluesky.password, "webhook": FakeWebhook.secret}


def arrivals(kind, fake, delivery) -> int:
    """How many times the post is on the fake network (what a resident would see)."""
    key = delivery.idempotency_key
    if kind == "webhook":
        return sum(1 for k in fake.accepted if k == key)
    return fake.created[key]


def only_delivery(post) -> Delivery:
    return Delivery.objects.select_related("channel").get(post=post)


@pytest.fixture
def channel_of(channels):
    def _channel_of(kind):
        for other, channel in channels.items():
            if other != kind:
                channel.is_active = False
                channel.save(update_fields=["is_active"])
        return channels[kind]

    return _channel_of


def test_it_sends_a_published_post_to_every_channel_once(publish, channels, fakes):
    post = publish()

    deliveries = {d.channel.kind: d for d in Delivery.objects.filter(post=post).select_related("channel")}
    assert set(deliveries) == set(KINDS)
    permalink = f"{SITE_URL}/posts/{post.pk}/"
    for kind, delivery in deliveries.items():
        assert delivery.status == DeliveryStatus.SENT, delivery.last_error
        assert delivery.attempts == 1
        assert delivery.sent_at is not None
        assert arrivals(kind, fakes[kind], delivery) == 1
        assert delivery.text.endswith(permalink)
    status = fakes["mastodon"].posts_linking(permalink)
    assert len(status) == 1 and status[0]["text"] == post.body + "\n\n" + permalink
    assert deliveries["mastodon"].remote_url == f"{fakes['mastodon'].url}/@precinct_a/{status[0]['id']}"
    rkey = deliveries["bluesky"].idempotency_key
    record = fakes["bluesky"].records[rkey]
    assert record["facets"][0]["features"][0]["uri"] == permalink
    assert deliveries["bluesky"].remote_url == f"https://bsky.app/profile/{FakeBluesky.handle}/post/{rkey}"
    assert deliveries["bluesky"].remote_id == f"at://{FakeBluesky.did}/app.bsky.feed.post/{rkey}"
    [event] = fakes["webhook"].events("post.published")
    assert event["post"] == {
        "id": post.pk,
        "precinct": "precinct-a",
        "kind": "alert",
        "body": post.body,
        "text": post.body + "\n\n" + permalink,
        "url": permalink,
        "published_at": post.published_at.isoformat(),
    }
    assert fakes["webhook"].bad_signatures == 0


def test_it_fits_each_networks_limit_and_ends_with_the_link(publish, channels, fakes):
    # Fits the checker's limits on its own, but not on Bluesky with the link added.
    body = (
        "Officers checked the park after dark and found the lights out on the east path. "
        "The city fixed them the next day. Thank you to the neighbors who told us about it. "
        "Call us at any time if a light is out again, or tell an officer on patrol nearby. "
        "We will check it the same night."
    )
    assert measure(body)["bluesky"] <= 300 and measure(body)["x"] <= 280
    post = publish(body)

    permalink = f"{SITE_URL}/posts/{post.pk}/"
    by_kind = {d.channel.kind: d for d in Delivery.objects.filter(post=post).select_related("channel")}
    assert all(d.status == DeliveryStatus.SENT for d in by_kind.values())
    assert by_kind["bluesky"].text.endswith("…\n\n" + permalink)
    assert measure(by_kind["bluesky"].text)["bluesky"] <= 300
    assert by_kind["mastodon"].text == body + "\n\n" + permalink
    assert measure(by_kind["mastodon"].text)["mastodon"] <= 500
    assert by_kind["webhook"].text == body + "\n\n" + permalink
    # The fake refuses over-long records and facets that miss their link; it took this one.
    assert fakes["bluesky"].records[by_kind["bluesky"].idempotency_key]["text"] == by_kind["bluesky"].text


@pytest.mark.parametrize("kind", KINDS)
def test_it_retries_later_when_the_connection_is_refused(publish, precinct_a, kind):
    # Nothing listens on this port: the connection is refused, so nothing arrived.
    channel_create(
        precinct=precinct_a,
        kind=kind,
        url=f"http://127.0.0.1:{free_port()}",
        handle="someone.bsky.example",
        secret=SECRETS[kind],
    )
    before = timezone.now()
    delivery = only_delivery(publish())

    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "Could not connect" in delivery.last_error
    assert delivery.unknown_since is None
    # The first retry waits between half and all of the 30-second base (jitter).
    assert before + timedelta(seconds=15) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)


@pytest.mark.parametrize("kind", KINDS)
def test_it_waits_as_long_as_a_429_asks_then_sends_once(publish, channel_of, fakes, kind):
    channel_of(kind)
    fakes[kind].script.append("429:120")
    before = timezone.now()
    delivery = only_delivery(publish())

    assert delivery.status == DeliveryStatus.PENDING
    assert "429" in delivery.last_error
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)
    assert delivery.unknown_since is None
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"  # not due yet

    make_due(delivery)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert arrivals(kind, fakes[kind], delivery) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("error", ["500", "502", "503"])
def test_it_retries_a_server_error_and_sends_once(publish, channel_of, fakes, kind, error):
    channel_of(kind)
    fakes[kind].script.append(error)
    delivery = only_delivery(publish())

    assert delivery.status == DeliveryStatus.PENDING
    assert f"({error})" in delivery.last_error
    assert delivery.unknown_since is None

    make_due(delivery)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert arrivals(kind, fakes[kind], delivery) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mishap", ["timeout", "drop", "504"])
def test_it_checks_with_the_network_before_resending_when_the_outcome_is_unknown(
    publish, channel_of, fakes, kind, mishap
):
    channel_of(kind)
    fake = fakes[kind]
    # The network accepts the post, but the answer never reaches us.
    fake.script.append(mishap)
    delivery = only_delivery(publish())

    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.unknown_since is not None
    assert arrivals(kind, fake, delivery) == 1

    make_due(delivery)
    assert delivery_send(delivery_id=delivery.pk) in {"sent", "found"}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert arrivals(kind, fake, delivery) == 1, "the post arrived twice"
    key = delivery.idempotency_key
    if kind == "mastodon":
        # Resent with the same Idempotency-Key: Mastodon answered with the status it had made.
        assert fake.received[key] == 2 and fake.replayed[key] == 1
        assert delivery.remote_url.endswith("/" + next(iter(fake.statuses)))
    elif kind == "bluesky":
        # Looked up by its record key, found, and not created again.
        assert fake.get_calls[key] == 1 and fake.create_calls[key] == 1
    else:
        # Resent with the same key; the receiver ignored the repeat.
        assert fake.received[key] == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("refusal", ["401", "403", "422"])
def test_it_fails_for_good_when_the_network_refuses_and_a_supervisor_can_retry(
    publish, channel_of, fakes, supervisor, kind, refusal, django_capture_on_commit_callbacks
):
    channel_of(kind)
    fakes[kind].script.append(refusal)
    delivery = only_delivery(publish())

    assert delivery.status == DeliveryStatus.FAILED
    assert f"({refusal})" in delivery.last_error
    assert arrivals(kind, fakes[kind], delivery) == 0
    # Nobody retries a refusal on their own: it needs a person.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert deliveries_sweep()["queued"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(acting_user=supervisor, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.retried_by == supervisor
    assert arrivals(kind, fakes[kind], delivery) == 1


def test_it_gives_up_after_the_last_attempt(publish, precinct_a, settings):
    settings.PUBLISHING_MAX_ATTEMPTS = 2
    channel_create(precinct=precinct_a, kind="mastodon", url=f"http://127.0.0.1:{free_port()}", secret="token")
    delivery = only_delivery(publish())
    assert delivery.status == DeliveryStatus.PENDING

    make_due(delivery)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2
    assert delivery.last_error.startswith("Gave up after 2 attempts. Last: Could not connect")


def test_it_refuses_a_webhook_signed_with_the_wrong_secret(publish, precinct_a, webhook):
    channel_create(precinct=precinct_a, kind="webhook", url=webhook.url, secret="not-the-receivers-secret")
    delivery = only_delivery(publish())

    assert delivery.status == DeliveryStatus.FAILED
    assert "refused the credentials (401)" in delivery.last_error
    assert webhook.bad_signatures == 1 and not webhook.accepted


def test_it_signs_in_to_bluesky_again_when_the_token_expired(publish, bluesky_channel, bluesky):
    first = only_delivery(publish())
    assert first.status == DeliveryStatus.SENT
    bluesky.expire_tokens()

    second = only_delivery(publish("Officers fixed the crossing light at Elm St and 3rd Ave."))

    assert second.status == DeliveryStatus.SENT, second.last_error
    assert bluesky.sessions_created == 2
    assert len(bluesky.records) == 2


def test_it_reuses_a_bluesky_session_between_deliveries(publish, bluesky_channel, bluesky):
    publish()
    publish("Officers fixed the crossing light at Elm St and 3rd Ave.")
    assert bluesky.sessions_created == 1


def test_it_looks_for_a_mastodon_status_when_the_key_may_be_forgotten(publish, mastodon_channel, mastodon):
    mastodon.script.append("timeout")
    delivery = only_delivery(publish())
    assert delivery.unknown_since is not None
    # Over an hour later Mastodon no longer knows the key.
    mastodon.key_ttl = 0
    Delivery.objects.filter(pk=delivery.pk).update(unknown_since=timezone.now() - timedelta(hours=2))

    make_due(delivery)
    assert delivery_send(delivery_id=delivery.pk) == "found"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.remote_url.endswith("/" + next(iter(mastodon.statuses)))
    assert len(mastodon.statuses) == 1
    assert mastodon.received[delivery.idempotency_key] == 1


def test_it_sends_after_a_look_up_that_finds_nothing(publish, mastodon_channel, mastodon):
    mastodon.script.append("503")
    delivery = only_delivery(publish())
    # As if an earlier attempt timed out long ago without the status being made.
    Delivery.objects.filter(pk=delivery.pk).update(unknown_since=timezone.now() - timedelta(hours=2))
    mastodon.key_ttl = 0

    make_due(delivery)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(mastodon.statuses) == 1


def test_it_does_nothing_for_a_delivery_already_sent(publish, mastodon_channel, mastodon):
    delivery = only_delivery(publish())
    make_due(delivery)
    assert delivery_send(delivery_id=delivery.pk) == "nothing to do"
    assert delivery_send(delivery_id=10**9) == "nothing to do"
    assert len(mastodon.statuses) == 1


def test_it_does_not_send_while_the_precinct_is_on_hold(publish, mastodon_channel, mastodon, precinct_a):
    post = publish(run=False)
    precinct_a.hold_at = timezone.now()
    precinct_a.hold_reason = "Crisis"
    precinct_a.save(update_fields=["hold_at", "hold_reason"])

    delivery = only_delivery(post)
    assert delivery_send(delivery_id=delivery.pk) == "precinct on hold"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert not mastodon.statuses
