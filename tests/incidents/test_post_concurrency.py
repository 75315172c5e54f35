"""Two supervisors act on the same post at the same moment: exactly one wins, the other is told.

And two publishers running at once publish each due post exactly once. Real
concurrency needs real row locks, so this runs on PostgreSQL only (SQLite
serialises whole transactions and would prove nothing).
"""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Post, PostEvent, PostStatus
from incidents.services import Change, PostConflict, followup_add, incident_create
from incidents.services import posts as services
from precincts.models import Membership
from tests.factories import CategoryFactory, MembershipFactory, PrecinctFactory, UserFactory
from tests.support import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3
# How long the first supervisor to get the row keeps its transaction open
# after acting, so that the second is certainly waiting on the lock.
HOLD_SECONDS = 0.3
DECISIONS = (PostStatus.APPROVED, PostStatus.CHANGES_REQUESTED, PostStatus.REJECTED)


@pytest.fixture
def staff():
    require_postgresql()
    precinct = PrecinctFactory(name="Precinct A", slug="precinct-a", code="PA")
    category = CategoryFactory(name="Noise", slug="noise")

    def member(name, role):
        return MembershipFactory(user=UserFactory(username=name), precinct=precinct, role=role).user

    return {
        "precinct": precinct,
        "category": category,
        "officer": member("officer", Membership.Role.OFFICER),
        "first": member("first", Membership.Role.SUPERVISOR),
        "second": member("second", Membership.Role.SUPERVISOR),
    }


def post_in_review(staff) -> Post:
    """A fresh report, closed by the officer; its draft submitted for review."""
    incident = incident_create(
        acting_user=staff["officer"],
        precinct=staff["precinct"],
        category=staff["category"],
        public_summary="Loud music from a party late at night",
        public_location="200 block of Main St",
        reporter_name="Maria Gonzalez",
    )
    entry = followup_add(
        acting_user=staff["officer"],
        incident=incident,
        expected_version=incident.version,
        change=Change(to_status="resolved", outcome="fixed"),
    )
    return services.post_submit(acting_user=staff["officer"], post=entry.drafted_post)


def _run_together(actions: dict) -> dict:
    """Run each named action in its own thread (and so its own connection), released together."""
    barrier = threading.Barrier(len(actions), timeout=10)
    results: dict = {}

    def run(name, action):
        try:
            with transaction.atomic():
                # Both threads are inside a transaction before either touches the row.
                barrier.wait()
                released = time.monotonic()
                try:
                    value = action()
                except PostConflict as exc:
                    results[name] = ("lost", exc, time.monotonic() - released)
                    raise
                # Keep the transaction, and so the row lock, open while the other one waits on it.
                time.sleep(HOLD_SECONDS)
            results[name] = ("won", value, time.monotonic() - released)
        except PostConflict:
            pass
        except BaseException as exc:  # reported by the main thread
            results[name] = ("error", exc, None)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name, action)) for name, action in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    for result in results.values():
        if result[0] == "error":
            raise result[1]
    return results


def _decide(kind, user_id, post_id, version):
    def action():
        user = get_user_model().objects.get(pk=user_id)
        post = Post.objects.get(pk=post_id)
        if kind == "approve":
            return services.post_approve(acting_user=user, post=post, expected_version=version)
        return services.post_reject(acting_user=user, post=post, reason="Not for us.", expected_version=version)

    return action


@pytest.mark.parametrize(("first_does", "second_does"), [("approve", "reject"), ("approve", "approve")])
def test_it_lets_exactly_one_of_two_simultaneous_decisions_win(staff, first_does, second_does):
    for round_no in range(ROUNDS):
        post = post_in_review(staff)
        results = _run_together(
            {
                "first": _decide(first_does, staff["first"].pk, post.pk, post.version),
                "second": _decide(second_does, staff["second"].pk, post.pk, post.version),
            }
        )

        assert sorted(r[0] for r in results.values()) == ["lost", "won"], f"round {round_no}: {results!r}"
        winner = next(name for name, r in results.items() if r[0] == "won")
        loser = next(name for name, r in results.items() if r[0] == "lost")
        winning_action = {"first": first_does, "second": second_does}[winner]
        expected = PostStatus.PUBLISHED if winning_action == "approve" else PostStatus.REJECTED
        # The race was real: the loser was held up by the winner's open transaction.
        assert results[loser][2] >= HOLD_SECONDS / 3, f"round {round_no}: the two decisions did not overlap"

        post.refresh_from_db()
        assert post.status == expected
        assert post.reviewer_id == staff[winner].pk
        decisions = PostEvent.objects.filter(post=post, from_status=PostStatus.IN_REVIEW, to_status__in=DECISIONS)
        assert decisions.count() == 1, f"round {round_no}"
        assert decisions.get().actor_id == staff[winner].pk
        assert PostEvent.objects.filter(post=post, to_status=PostStatus.PUBLISHED).count() == (
            1 if expected == PostStatus.PUBLISHED else 0
        )
        # The loser is told plainly what happened, with the state the winner left.
        conflict = results[loser][1]
        assert conflict.post.status == expected
        assert conflict.message == (
            f"Someone else acted on this post first: it is now {expected.label.lower()}. Nothing you sent was applied."
        )


def test_it_publishes_each_due_post_once_when_two_publishers_run_at_once(staff):
    count = 5
    for round_no in range(ROUNDS):
        due = timezone.now() + timedelta(minutes=10)
        posts = [
            services.post_approve(acting_user=staff["first"], post=post_in_review(staff), publish_at=due)
            for _ in range(count)
        ]
        moment = due + timedelta(seconds=1)

        results = _run_together(
            {
                "first": lambda moment=moment: services.posts_publish_due(now=moment),
                "second": lambda moment=moment: services.posts_publish_due(now=moment),
            }
        )

        assert {r[0] for r in results.values()} == {"won"}
        assert sum(r[1] for r in results.values()) == count, f"round {round_no}: {results!r}"
        ids = [p.pk for p in posts]
        assert Post.objects.filter(pk__in=ids, status=PostStatus.PUBLISHED).count() == count
        for post in posts:
            assert PostEvent.objects.filter(post=post, to_status=PostStatus.PUBLISHED).count() == 1, (
                f"round {round_no}: post {post.pk}"
            )
