"""``DeliveryStore`` on its own, on SQLite and PostgreSQL: leases, claims, defer, replay.

No broker and no worker: the tests call the store the way the deliverer, the sweeper and the
operator do, and read back what the database holds.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hub.domain.clock import utcnow
from hub.domain.message import OutboundMessage
from hub.domain.transitions import Attempt, LeasedDelivery, dead, delivered, retry_at
from hub.store.clients import ClientStore
from hub.store.db import Database
from hub.store.deliveries import DeliveryStore
from hub.store.delivery_recovery import DeliveryRecovery
from hub.store.settlement import Settled
from hub.store.submissions import (
    DeliveryView,
    NewDelivery,
    NewSubmission,
    SubmissionStore,
    SubmissionView,
)
from hub.store.tables import delivery
from tests.support.region import GLADBECK

GLADBECK_DEST = "gladbeck-fachverfahren"
HERTEN_DEST = "herten-fachverfahren"
LONG_LEASE = 30.0


@dataclass
class Stores:
    db: Database
    submissions: SubmissionStore
    deliveries: DeliveryStore
    client_id: str

    @property
    def recovery(self) -> DeliveryRecovery:
        return DeliveryRecovery(self.db)

    def submit(
        self, destinations: Sequence[str] = (GLADBECK_DEST,), *, received_at: datetime | None = None
    ) -> tuple[str, list[str]]:
        """A submission with one pending delivery per destination; (submission id, delivery ids)."""
        submission_id = str(uuid.uuid4())
        new_deliveries = [
            NewDelivery(
                id=str(uuid.uuid4()),
                destination_id=destination,
                message=OutboundMessage(
                    message_id=str(uuid.uuid4()),
                    media_type="application/json",
                    body=b'{"vorgang": {}}',
                    headers={"X-Test": "1"},
                ),
            )
            for destination in destinations
        ]
        self.submissions.create(
            NewSubmission(
                id=submission_id,
                client_id=self.client_id,
                service="hundesteuer-anmeldung",
                municipality=GLADBECK,
                portal_reference=None,
                idempotency_key=None,
                request_hash="0" * 64,
                envelope={"service": "hundesteuer-anmeldung", "municipality": GLADBECK},
                received_at=received_at or utcnow(),
                attachments=[],
                deliveries=new_deliveries,
            )
        )
        return submission_id, [d.id for d in new_deliveries]

    def lease(
        self,
        delivery_id: str,
        owner: str = "worker",
        seconds: float = LONG_LEASE,
    ) -> LeasedDelivery:
        leased = self.deliveries.lease(delivery_id, owner, seconds)
        assert leased is not None, f"{delivery_id} could not be leased"
        return leased

    def delivered(self, leased: LeasedDelivery, attempt: Attempt, receipt: dict[str, object]) -> Settled:
        """Settle the attempt as the domain decided it: delivered."""
        return self.deliveries.settle([delivered(leased, attempt, receipt, utcnow())])[0]

    def retry_at(self, leased: LeasedDelivery, attempt: Attempt, at: datetime) -> Settled:
        return self.deliveries.settle([retry_at(leased, attempt, at, utcnow())])[0]

    def dead(self, leased: LeasedDelivery, attempt: Attempt, reason: str) -> Settled:
        return self.deliveries.settle([dead(leased, attempt, reason, utcnow())])[0]

    def kill(self, delivery_id: str) -> None:
        """Lease and refuse for good: the delivery is a dead letter."""
        settled = self.dead(self.lease(delivery_id), refused(), "400 Aktenzeichen fehlt")
        assert settled.applied

    def view(self, submission_id: str) -> SubmissionView:
        view = self.submissions.get(submission_id)
        assert view is not None
        return view

    def delivery(self, submission_id: str, delivery_id: str) -> DeliveryView:
        return next(d for d in self.view(submission_id).deliveries if d.id == delivery_id)

    def lease_owner(self, delivery_id: str) -> str | None:
        with self.db.read() as conn:
            query = select(delivery.c.lease_owner).where(delivery.c.id == delivery_id)
            owner = conn.execute(query).scalar_one()
        return owner  # type: ignore[no-any-return]


def ok() -> Attempt:
    return Attempt(started_at=utcnow(), duration_ms=12.0, outcome="ok", status_code=201)


def refused() -> Attempt:
    return Attempt(
        started_at=utcnow(),
        duration_ms=9.0,
        outcome="permanent",
        status_code=400,
        error="400",
    )


def unavailable() -> Attempt:
    return Attempt(
        started_at=utcnow(),
        duration_ms=5.0,
        outcome="transient",
        status_code=503,
        error="503",
    )


@pytest.fixture
def stores(database_url: str) -> Iterator[Stores]:
    db = Database(database_url)
    db.upgrade()
    client, _ = ClientStore(db).create("portal-gladbeck", [GLADBECK])
    yield Stores(db, SubmissionStore(db), DeliveryStore(db), client.id)
    db.dispose()


def test_a_lease_is_exclusive_when_two_workers_race_for_it(stores: Stores) -> None:
    # Given eight due deliveries
    _, ids = stores.submit([f"dest-{i}" for i in range(8)])

    # When two workers try to lease each of them at the same moment
    def race(delivery_id: str) -> list[LeasedDelivery | None]:
        start = threading.Barrier(2)

        def take(owner: str) -> LeasedDelivery | None:
            start.wait()
            return stores.deliveries.lease(delivery_id, owner, LONG_LEASE)

        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(take, ["worker-a", "worker-b"]))

    outcomes = {delivery_id: race(delivery_id) for delivery_id in ids}

    # Then exactly one of them wins every race, with the first attempt, and holds the lease
    for delivery_id, results in outcomes.items():
        winners = [r for r in results if r is not None]
        assert len(winners) == 1, (delivery_id, results)
        assert winners[0].attempts == 1
        assert stores.lease_owner(delivery_id) == winners[0].owner


def test_an_expired_lease_is_recorded_as_abandoned_and_the_old_owner_cannot_settle(stores: Stores) -> None:
    # Given a delivery leased by a worker for half a second
    submission_id, [delivery_id] = stores.submit()
    slow = stores.lease(delivery_id, "slow-worker", 0.5)
    expired_by = time.monotonic() + 0.5

    # Then nobody else can take it while the lease holds, nor after it expired until it was recovered
    assert stores.deliveries.lease(delivery_id, "eager-worker", LONG_LEASE) is None
    time.sleep(max(expired_by - time.monotonic(), 0) + 0.05)
    assert stores.deliveries.lease(delivery_id, "eager-worker", LONG_LEASE) is None

    # When the sweeper recovers the expired lease
    assert stores.recovery.recover_expired() == [(delivery_id, "gladbeck-fachverfahren")]

    # Then the started attempt is on record as abandoned, and another worker takes it as the second
    attempts = [e.detail for e in stores.submissions.events(submission_id) if e.kind == "attempt"]
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "abandoned")]
    fast = stores.lease(delivery_id, "fast-worker")
    assert fast.attempts == 2

    # When the old owner finally settles (or releases) it
    stale = stores.delivered(slow, ok(), {"reference": "late"})

    # Then nothing is applied: the delivery is still in flight for the new owner
    assert stale.applied is False
    assert stores.deliveries.release(slow, utcnow()) is False
    assert stores.lease_owner(delivery_id) == "fast-worker"
    assert stores.delivery(submission_id, delivery_id).state == "in_flight"
    assert len([e for e in stores.submissions.events(submission_id) if e.kind == "attempt"]) == 1

    # And the new owner's settle is applied
    settled = stores.delivered(fast, ok(), {"reference": "R-1"})
    assert settled.applied is True
    assert settled.status == "delivered"
    assert stores.delivery(submission_id, delivery_id).receipt == {"reference": "R-1"}


def test_claim_due_returns_deliveries_whose_enqueue_is_stale_not_fresh_ones(stores: Stores) -> None:
    # Given a due delivery enqueued ten minutes ago that never ran (its broker message was lost)
    _, [stale] = stores.submit(received_at=utcnow() - timedelta(minutes=10))
    # And a due delivery enqueued just now (its message is on its way)
    _, [fresh] = stores.submit()

    # When the sweeper claims what is due and stale after 60 s
    claimed = stores.recovery.claim_due(stale_after=60)

    # Then only the stale one is claimed
    assert claimed == [(stale, GLADBECK_DEST)]

    # And claiming marks it re-enqueued, so the next sweep leaves it alone
    assert stores.recovery.claim_due(stale_after=60) == []

    # And the fresh one is due all the same: with no grace at all, both are claimed
    assert set(stores.recovery.claim_due(stale_after=0)) == {
        (stale, GLADBECK_DEST),
        (fresh, GLADBECK_DEST),
    }


def test_claim_due_returns_an_expired_lease_once(stores: Stores) -> None:
    # Given a delivery whose worker died holding a 0.1 s lease, and one leased for 30 s
    _, [crashed, busy] = stores.submit([GLADBECK_DEST, HERTEN_DEST])
    stores.lease(crashed, "dead-worker", 0.1)
    stores.lease(busy, "live-worker", LONG_LEASE)
    time.sleep(0.25)

    # When the sweeper runs twice (its enqueue is fresh, only the lease expired)
    first = stores.recovery.claim_due(stale_after=60)
    second = stores.recovery.claim_due(stale_after=60)

    # Then the expired lease is claimed by the first sweep only, and the live one never
    assert first == [(crashed, GLADBECK_DEST)]
    assert second == []

    # And a worker can take the expired lease over
    assert stores.lease(crashed, "new-worker").attempts == 2


def test_defer_moves_the_next_attempt_without_counting_one(stores: Stores) -> None:
    # Given a delivery that failed once and is due for its retry now
    submission_id, [delivery_id] = stores.submit()
    first = stores.lease(delivery_id)
    assert stores.retry_at(first, unavailable(), utcnow()).applied

    # When it is deferred by an hour (e.g. its destination is paused)
    later = utcnow() + timedelta(hours=1)
    assert stores.deliveries.defer(delivery_id, later) is True

    # Then it waits for then, still with one attempt spent
    view = stores.delivery(submission_id, delivery_id)
    assert (view.state, view.attempts, view.next_attempt_at) == ("retrying", 1, later)

    # And it is neither leasable nor claimed by the sweeper before then
    assert stores.deliveries.lease(delivery_id, "worker", LONG_LEASE) is None
    assert stores.recovery.claim_due(stale_after=0) == []

    # And a delivery in flight is not deferred
    _, [in_flight] = stores.submit()
    stores.lease(in_flight)
    assert stores.deliveries.defer(in_flight, later) is False


def test_replay_by_destination_and_time_range_and_by_id(stores: Stores) -> None:
    # Given Gladbeck dead letters that died before, within and after a time range,
    # and one of Herten within it
    early_submission, [early] = stores.submit()
    stores.kill(early)
    time.sleep(0.02)
    since = utcnow()
    late_submission, [late, herten] = stores.submit([GLADBECK_DEST, HERTEN_DEST])
    stores.kill(late)
    stores.kill(herten)
    time.sleep(0.02)
    until = utcnow()
    _, [latest] = stores.submit()
    stores.kill(latest)
    assert stores.view(late_submission).status == "failed"

    # When Gladbeck's dead letters of that range are replayed
    replayed = stores.deliveries.replay(
        destination=GLADBECK_DEST,
        since=since,
        until=until,
        actor="ops:test",
    )

    # Then only the one within it is pending again, attempts reset, with a replayed event
    assert replayed == [(late, GLADBECK_DEST)]
    again = stores.delivery(late_submission, late)
    assert (again.state, again.attempts, again.dead_at) == ("pending", 0, None)
    assert stores.delivery(late_submission, herten).state == "dead"
    assert stores.view(late_submission).status == "in_progress"
    events = [e for e in stores.submissions.events(late_submission) if e.kind == "replayed"]
    expected = [(late, {"destination": GLADBECK_DEST, "by": "ops:test"})]
    assert [(e.delivery_id, e.detail) for e in events] == expected

    # When the early one is replayed by its id
    assert stores.deliveries.replay(ids=[early], actor="ops:test") == [(early, GLADBECK_DEST)]

    # Then it is pending with attempts reset, and its submission reads accepted again
    view = stores.view(early_submission)
    assert [(d.state, d.attempts) for d in view.deliveries] == [("pending", 0)]
    assert view.status == "accepted"
    kinds = [e.kind for e in stores.submissions.events(early_submission)]
    assert kinds[-2:] == ["replayed", "status_changed"]

    # And a delivery that is no longer dead is not replayed twice
    assert stores.deliveries.replay(ids=[early, late], actor="ops:test") == []

    # And a replayed delivery is due at once, its next try counting as the first attempt
    assert stores.lease(early).attempts == 1


def test_submission_status_is_derived_from_both_deliveries(stores: Stores) -> None:
    # Given two submissions, each routed to two destinations and leased by workers
    mixed, [mixed_a, mixed_b] = stores.submit([GLADBECK_DEST, HERTEN_DEST])
    good, [good_a, good_b] = stores.submit([GLADBECK_DEST, HERTEN_DEST])
    leases = {d: stores.lease(d) for d in (mixed_a, mixed_b, good_a, good_b)}

    # When one delivery of the first is delivered and the other dies
    one = stores.delivered(leases[mixed_a], ok(), {"reference": "R-1"})
    other = stores.dead(leases[mixed_b], refused(), "400 refused")

    # Then it is in progress after the first, and failed once both are final
    assert one.status == "in_progress"
    assert other.status == "failed"
    assert stores.view(mixed).status == "failed"

    # When both deliveries of the second are delivered
    stores.delivered(leases[good_a], ok(), {"reference": "R-2"})
    last = stores.delivered(leases[good_b], ok(), {"reference": "R-3"})

    # Then it reads delivered, with each change of status logged once
    assert last.status == "delivered"
    assert stores.view(good).status == "delivered"
    events = stores.submissions.events(good)
    changes = [e.detail["status"] for e in events if e.kind == "status_changed"]
    assert changes == ["in_progress", "delivered"]
