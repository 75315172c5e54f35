"""Two officers change the same report at the same moment: exactly one wins, the other is told.

Real concurrency needs real row locks, so this runs on PostgreSQL only
(SQLite serialises whole transactions and would prove nothing).
"""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from incidents.models import FollowUp, Incident, Status
from incidents.services import Change, IncidentChanged, followup_add, incident_create
from precincts.models import AuditEntry, Membership
from tests.factories import CategoryFactory, MembershipFactory, PrecinctFactory, UserFactory
from tests.support import require_postgresql

ROUNDS = 5
# How long the first officer to get the row keeps its transaction open after
# changing it, so that the second is certainly waiting on the lock.
HOLD_SECONDS = 0.3


def _act(*, user_id, incident_id, expected_version, change, barrier, results, name):
    """One officer's request, in its own thread and so on its own database connection."""
    try:
        user = get_user_model().objects.get(pk=user_id)
        incident = Incident.objects.get(pk=incident_id)
        with transaction.atomic():
            # Both threads are inside a transaction before either touches the row.
            barrier.wait()
            released = time.monotonic()
            try:
                entry = followup_add(
                    acting_user=user, incident=incident, expected_version=expected_version, change=change
                )
            except IncidentChanged as exc:
                results[name] = ("lost", exc, time.monotonic() - released)
                raise
            # Keep the transaction, and so the row lock, open while the other officer waits on it.
            time.sleep(HOLD_SECONDS)
        results[name] = ("won", entry.pk, time.monotonic() - released)
    except IncidentChanged:
        pass
    except BaseException as exc:  # reported by the main thread
        results[name] = ("error", exc, None)
        barrier.abort()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_changes_win():
    require_postgresql()
    precinct = PrecinctFactory(name="Precinct A", slug="precinct-a", code="PA")
    category = CategoryFactory(name="Noise", slug="noise")
    officers = {
        name: MembershipFactory(user=UserFactory(username=name), precinct=precinct, role=Membership.Role.OFFICER).user
        for name in ("first", "second")
    }
    incident = incident_create(
        acting_user=officers["first"],
        precinct=precinct,
        category=category,
        public_summary="Loud music from a party late at night",
        public_location="200 block of Main St",
    )

    for round_no in range(ROUNDS):
        incident.refresh_from_db()
        version = incident.version
        followups = FollowUp.objects.filter(incident=incident).count()
        audits = AuditEntry.objects.count()
        to_status = Status.INVESTIGATING if incident.status == Status.ACTION_SCHEDULED else Status.ACTION_SCHEDULED
        # Both start from the same version; each takes the report for themselves, so the
        # state the loser is shown says who won.
        changes = {
            name: Change(to_status=to_status, internal_note=f"round {round_no}: {name} was here", assignee=user)
            for name, user in officers.items()
        }
        barrier = threading.Barrier(2, timeout=10)
        results = {}
        threads = [
            threading.Thread(
                target=_act,
                kwargs={
                    "user_id": user.pk,
                    "incident_id": incident.pk,
                    "expected_version": version,
                    "change": changes[name],
                    "barrier": barrier,
                    "results": results,
                    "name": name,
                },
            )
            for name, user in officers.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in threads), f"round {round_no}: a thread hung"
        for result in results.values():
            if result[0] == "error":
                raise result[1]

        assert sorted(r[0] for r in results.values()) == ["lost", "won"], f"round {round_no}: {results!r}"
        winner = next(name for name, r in results.items() if r[0] == "won")
        loser = next(name for name, r in results.items() if r[0] == "lost")
        entry = FollowUp.objects.get(pk=results[winner][1])
        shown = results[loser][1].incident
        # The race was real: the loser was held up by the winner's open transaction,
        # rather than arriving after it had finished.
        assert results[loser][2] >= HOLD_SECONDS / 3, f"round {round_no}: the two changes did not overlap"

        incident.refresh_from_db()
        assert incident.version == version + 1
        assert incident.status == to_status
        assert incident.assignee_id == officers[winner].pk
        assert FollowUp.objects.filter(incident=incident).count() == followups + 1
        assert AuditEntry.objects.count() == audits + 1
        assert entry.internal_note == f"round {round_no}: {winner} was here"
        # The loser is shown the winner's new state, not the one it started from.
        assert shown.version == version + 1
        assert shown.status == to_status
        assert shown.assignee_id == officers[winner].pk
        assert shown.last_activity_at == entry.created_at
        assert results[loser][1].message.startswith("Someone else updated this report")
