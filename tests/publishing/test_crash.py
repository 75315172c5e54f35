"""Integration: real Celery workers (prefork) on a real Redis, sharing the
PostgreSQL test database, delivering to the fake networks.

The crash test publishes 200 posts to two channels while the worker is killed
with SIGKILL three times (each time while deliveries are in flight) and
restarted, then restarts Redis (losing every queued message) while posts are
still being published. Every (post, channel) must arrive exactly once and
every delivery must end `sent`.
"""

import time

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from incidents.services.posts import post_approve, post_create_alert, post_draft_update, post_submit
from publishing.models import Delivery, DeliveryStatus
from publishing.services import channel_create, deliveries_sweep
from tests.factories import CategoryFactory, MembershipFactory, PrecinctFactory, UserFactory
from tests.publishing.conftest import SITE_URL, TEST_SECRETS_KEY
from tests.publishing.fakes import FakeBluesky, FakeMastodon, FakeWebhook
from tests.publishing.processes import (
    RedisServer,
    beat,
    celery_env,
    redis_server_available,
    tasks_queued_to,
    worker,
)
from tests.support import require_postgresql, require_service

pytestmark = [pytest.mark.celery_worker, pytest.mark.services, pytest.mark.django_db(transaction=True)]

POSTS = 200
KILL_AFTER_POSTS = (40, 90, 140)
REDIS_DOWN_AFTER_POSTS = 170  # posts published while it is down go out through the sweeper
REDIS_DOWN_POSTS = 5
DRAIN_SECONDS = 120
# Short limits for the workers of this test, so that the sweeper may take
# back a dead worker's claim after 25 s instead of 75 s.
WORKER_TIME_LIMIT = 20


def _require_services():
    require_postgresql()
    require_service(redis_server_available(), "needs the redis-server binary (apt-get install redis-server)")


def _staff():
    precinct = PrecinctFactory(name="Precinct A", slug="precinct-a", code="PA")
    supervisor = MembershipFactory(user=UserFactory(username="supervisor"), precinct=precinct, role="supervisor").user
    return precinct, supervisor


def _in_flight() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.SENDING).count()


def _wait_for_an_unanswered_post(fakes, timeout: float) -> bool:
    """Wait until a fake has made a post and not yet answered: a kill now leaves it
    made but unrecorded, which only reconciliation can put right."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(fake.answering for fake in fakes):
            return True
        time.sleep(0.002)
    return False


def test_every_post_reaches_each_channel_exactly_once_through_worker_kills_and_a_redis_restart(
    settings, tmp_path, capsys
):
    _require_services()
    settings.PUBLISHING_TASK_TIME_LIMIT = WORKER_TIME_LIMIT
    settings.PUBLISHING_TASK_SOFT_TIME_LIMIT = WORKER_TIME_LIMIT * 4 // 5
    settings.PUBLISHING_CLAIM_EXPIRY = WORKER_TIME_LIMIT + 5
    settings.PUBLISHING_REQUEUE_AFTER = 10
    precinct, supervisor = _staff()
    mastodon, bluesky = FakeMastodon().start(), FakeBluesky().start()
    # Every call takes a moment, so that a kill finds work in flight.
    mastodon.latency = bluesky.latency = 0.03
    channel_create(precinct=precinct, kind="mastodon", url=mastodon.url, secret=FakeMastodon.token)
    channel_create(
        precinct=precinct, kind="bluesky", url=bluesky.url, handle=FakeBluesky.handle, secret=FakeBluesky.password
    )

    broker = RedisServer(tmp_path)
    workers = []
    log = tmp_path / "worker.log"
    kills = []
    started = time.monotonic()
    try:
        broker.start()
        env = celery_env(
            broker.url, CHANNEL_SECRETS_KEY=TEST_SECRETS_KEY, PUBLISHING_TASK_TIME_LIMIT=str(WORKER_TIME_LIMIT)
        )
        with tasks_queued_to(broker.url):
            workers.append(worker(env, log, "crash0").start())
            post_ids = []
            for number in range(POSTS):
                if number in KILL_AFTER_POSTS:
                    mid_call = _wait_for_an_unanswered_post((mastodon, bluesky), timeout=20)
                    workers[-1].kill()
                    kills.append(
                        {
                            "after_posts": number,
                            "mid_call": mid_call,
                            "sending": _in_flight(),
                            "at": round(time.monotonic() - started, 1),
                        }
                    )
                    workers.append(worker(env, log, f"crash{len(workers)}").start())
                if number == REDIS_DOWN_AFTER_POSTS:
                    broker.kill()
                    redis_down_at = time.monotonic()
                if number == REDIS_DOWN_AFTER_POSTS + REDIS_DOWN_POSTS:
                    broker.start()
                    broker.restarts += 1
                    redis_down_for = time.monotonic() - redis_down_at
                    redis_back_at = time.monotonic()
                post = post_create_alert(
                    acting_user=supervisor,
                    precinct=precinct,
                    body=f"Officers cleared the blocked crosswalk on Elm St. This is test update {number + 1}.",
                    publish_now=True,
                )
                post_ids.append(post.pk)
            published_at = time.monotonic()

            # Drain: beat's sweeper, run here every second (bounded).
            deadline = time.monotonic() + DRAIN_SECONDS
            sweeps = []
            while time.monotonic() < deadline:
                sweeps.append(deliveries_sweep())
                if not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists():
                    break
                time.sleep(1)
            drained_at = time.monotonic()

        states = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())
        assert Delivery.objects.count() == POSTS * 2
        assert states == {DeliveryStatus.SENT: POSTS * 2}, (states, workers[-1].log_tail())

        # Exactly once at the fakes: one status and one record per post, nothing else.
        missing, doubled = [], []
        for post_id in post_ids:
            permalink = f"{SITE_URL}/posts/{post_id}/"
            for name, fake in (("mastodon", mastodon), ("bluesky", bluesky)):
                count = len(fake.posts_linking(permalink))
                (missing if count == 0 else doubled if count > 1 else []).append((name, post_id, count))
        assert not missing, f"never arrived: {missing[:10]}"
        assert not doubled, f"arrived twice: {doubled[:10]}"
        assert len(mastodon.statuses) == POSTS and len(bluesky.records) == POSTS
        assert max(mastodon.created.values()) == 1 and max(bluesky.created.values()) == 1
        assert len(kills) >= 3 and broker.restarts == 1
        assert all(k["mid_call"] for k in kills), f"a kill missed the deliveries in flight: {kills}"

        deliveries = Delivery.objects.all()
        report = {
            "kills": kills,
            "redis_down_seconds": round(redis_down_for, 1),
            "publish_seconds": round(published_at - started, 1),
            "drain_seconds_after_last_post": round(drained_at - published_at, 1),
            "drain_seconds_after_redis_restart": round(drained_at - redis_back_at, 1),
            "total_seconds": round(drained_at - started, 1),
            "deliveries_with_more_than_one_attempt": deliveries.filter(attempts__gt=1).count(),
            "deliveries_reconciled_after_unknown_outcome": deliveries.filter(unknown_since__isnull=False).count(),
            "mastodon": {
                "statuses": len(mastodon.statuses),
                "posts_received": sum(mastodon.received.values()),
                "answered_from_idempotency_key": sum(mastodon.replayed.values()),
            },
            "bluesky": {
                "records": len(bluesky.records),
                "create_calls": sum(bluesky.create_calls.values()),
                "get_record_lookups": sum(bluesky.get_calls.values()),
                "sessions": bluesky.sessions_created,
            },
            "sweeps_that_queued": sum(1 for s in sweeps if s["queued"]),
            "reclaimed_by_sweeper": sum(s["reclaimed"] for s in sweeps),
        }
        with capsys.disabled():
            print(f"\ncrash test: {report}")
    finally:
        for process in workers:
            process.kill()
        broker.kill()
        mastodon.stop()
        bluesky.stop()


def test_a_channel_added_with_add_channel_gets_each_post_once_while_a_worker_and_beat_run(settings, tmp_path):
    _require_services()
    precinct, supervisor = _staff()
    officer = MembershipFactory(user=UserFactory(username="officer"), precinct=precinct, role="officer").user
    receiver = FakeWebhook().start()
    call_command(
        "add_channel",
        "--precinct",
        precinct.slug,
        "--kind",
        "webhook",
        "--url",
        receiver.url + "/blotter",
        "--secret",
        FakeWebhook.secret,
    )
    broker = RedisServer(tmp_path)
    processes = []
    try:
        broker.start()
        env = celery_env(broker.url, CHANNEL_SECRETS_KEY=TEST_SECRETS_KEY)
        with tasks_queued_to(broker.url):
            processes.append(worker(env, tmp_path / "worker.log", "addchannel").start())
            processes.append(beat(env, tmp_path / "beat.log", tmp_path / "beat-schedule").start())
            assert processes[0].wait_for_log("ready", timeout=30), processes[0].log_tail()
            started = time.monotonic()
            posts = [
                post_create_alert(
                    acting_user=supervisor,
                    precinct=precinct,
                    body=f"Officers reopened the park gate on Oak St. Update {n}.",
                    publish_now=True,
                )
                for n in range(1, 5)
            ]
            # One more, approved for a moment from now: beat's publisher puts it out.
            incident = post_draft_update(
                acting_user=officer,
                incident=_incident(precinct, officer),
                body="Officers spoke with the owner and the alarm is fixed.",
            )
            post_submit(acting_user=officer, post=incident)
            posts.append(
                post_approve(
                    acting_user=supervisor, post=incident, publish_at=timezone.now() + timezone.timedelta(seconds=2)
                )
            )
            deadline = started + 60
            while time.monotonic() < deadline and len(receiver.events("post.published")) < len(posts):
                time.sleep(0.2)
            took = time.monotonic() - started
            time.sleep(1)  # anything doubled would arrive by now

        published = receiver.events("post.published")
        assert sorted(e["post"]["id"] for e in published) == sorted(p.pk for p in posts), (
            processes[1].log_tail(),
            processes[0].log_tail(),
        )
        assert all(count == 1 for count in receiver.received.values())
        assert receiver.bad_signatures == 0
        assert took < 60
        assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    finally:
        for process in processes:
            process.kill()
        broker.kill()
        receiver.stop()


def _incident(precinct, officer):
    from incidents.services import incident_create

    return incident_create(
        acting_user=officer,
        precinct=precinct,
        category=CategoryFactory(name="Alarms", slug="alarms"),
        public_summary="A shop alarm rang all night",
        public_location="300 block of Oak St",
    )
