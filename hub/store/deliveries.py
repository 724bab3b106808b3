"""The worker's side of deliveries: the lease, settling the attempt, giving a delivery back.

The worker's path is lease → decide → settle: :meth:`DeliveryStore.lease_many` takes the due
deliveries in one statement, the domain decides what each attempt's outcome makes of its
delivery (:mod:`hub.domain.transitions`), and :meth:`DeliveryStore.settle` writes those
decisions (:mod:`hub.store.settlement`; one statement on PostgreSQL for sole deliveries,
:mod:`hub.store.sole_delivery`). A worker that did not send gives a delivery back
(:meth:`~DeliveryStore.release`) or defers a waiting one (:meth:`~DeliveryStore.defer`) without
spending an attempt.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from hub.domain import status_callbacks
from hub.domain.clock import utcnow
from hub.domain.message import MessageAttachment
from hub.domain.states import DeliveryKind, DeliveryState, EventKind
from hub.domain.transitions import LeasedDelivery, Transition, given_back
from hub.logging import CORRELATION_HEADER
from hub.store import sealed_columns as contexts
from hub.store.callback_outbox import CallbackOutbox
from hub.store.db import Database
from hub.store.events import event_row, insert_events
from hub.store.operator_views import dead_letters_to_replay
from hub.store.settlement import Settled, settle, still_held
from hub.store.sole_delivery import settle_sole, sole_status
from hub.store.submission_status import lock_submission, update_status
from hub.store.tables import attachment, delivery, submission

S = DeliveryState
_WAITING = (S.PENDING.value, S.RETRYING.value)
LEASE_EARLY_GRACE = timedelta(milliseconds=50)


_LEASE = (
    update(delivery)
    .where(
        delivery.c.id.in_(bindparam("b_ids", expanding=True)),
        # Only waiting deliveries: an expired lease is first recorded as an abandoned attempt and
        # made waiting again by the sweeper (recover_expired), never taken over in passing.
        delivery.c.state.in_(_WAITING),
        delivery.c.next_attempt_at <= bindparam("b_due_by"),
    )
    .values(
        state=S.IN_FLIGHT.value,
        attempts=delivery.c.attempts + 1,
        lease_owner=bindparam("b_owner"),
        lease_expires_at=bindparam("b_expires"),
        updated_at=bindparam("b_now"),
    )
    .returning(
        delivery.c.id,
        delivery.c.submission_id,
        delivery.c.client_id,
        delivery.c.destination_id,
        delivery.c.kind,
        delivery.c.message_id,
        delivery.c.attempts,
        delivery.c.queued_at,
        delivery.c.media_type,
        delivery.c.headers,
        delivery.c.payload,
        select(submission.c.delivery_count)
        .where(submission.c.id == delivery.c.submission_id)
        .scalar_subquery()
        .label("delivery_count"),
    )
)


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.outbox = CallbackOutbox()
        """Status callbacks, queued in the transaction of the change they report."""

    # -- the worker's side -------------------------------------------------------------------

    def lease(self, delivery_id: str, owner: str, lease_seconds: float) -> LeasedDelivery | None:
        """Take the delivery if it is due (or its previous lease expired); count the attempt."""
        leased = self.lease_many([delivery_id], owner, lease_seconds)
        return leased[0] if leased else None

    def lease_many(self, delivery_ids: Sequence[str], owner: str, lease_seconds: float) -> list[LeasedDelivery]:
        """Take those of the deliveries that are due, in one statement; in the order given. The
        lease is short and renewed while the worker is at it (:meth:`renew_leases`), so a killed
        worker's deliveries are free again within ``lease_seconds``."""
        now = utcnow()
        params = {
            "b_ids": list(delivery_ids),
            "b_owner": owner,
            "b_now": now,
            # A delayed broker message may arrive a hair early: don't make it wait for a sweep.
            "b_due_by": now + LEASE_EARLY_GRACE,
            "b_expires": now + timedelta(seconds=lease_seconds),
        }
        with self._single_statement() as conn:
            rows = {r.id: r for r in conn.execute(_LEASE, params)}
        return [self._opened(rows[i]._mapping, owner) for i in delivery_ids if i in rows]

    def _opened(self, row: Any, owner: str) -> LeasedDelivery:
        """A leased row with its payload opened: the worker sends what intake mapped."""
        values = dict(row)
        values["payload"] = self.db.sealer.open(values["payload"], contexts.payload(values["id"]))
        return LeasedDelivery(**values, owner=owner)

    def renew_leases(self, delivery_ids: Sequence[str], owners: Sequence[str], lease_seconds: float) -> int:
        """Extend the leases these workers still hold (the heartbeat of attempts in progress)."""
        if not delivery_ids:
            return 0
        now = utcnow()
        with self._single_statement() as conn:
            res = conn.execute(
                update(delivery)
                .where(
                    delivery.c.id.in_(list(delivery_ids)),
                    delivery.c.lease_owner.in_(list(set(owners))),
                    delivery.c.state == S.IN_FLIGHT.value,
                )
                .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            )
        return int(res.rowcount or 0)

    @contextmanager
    def _single_statement(self) -> Iterator[Connection]:
        """A connection for one statement: autocommit on PostgreSQL (the statement is its own
        transaction, saving the BEGIN and COMMIT round trips), a write transaction on SQLite."""
        if self.db.is_postgres:
            with self.db.engine.connect() as conn:
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            with self.db.write() as conn:
                yield conn

    def settle(self, transitions: Sequence[Transition]) -> list[Settled]:
        """Write the decided transitions of attempts; sole deliveries share one statement on PostgreSQL."""
        sole = [t for t in transitions if self._is_sole(t)]
        done: dict[str, Settled] = {}
        if sole:
            with self._single_statement() as conn:
                applied = settle_sole(conn, sole, self.db.sealer)
            for t, ok in zip(sole, applied, strict=True):
                done[t.delivery.id] = Settled(applied=ok, status=sole_status(t) if ok else None)
        for t in transitions:
            if t.delivery.id not in done:
                with self.db.write() as conn:
                    done[t.delivery.id] = settle(conn, t, self.outbox, self.db.sealer)
        return [done[t.delivery.id] for t in transitions]

    def _is_sole(self, t: Transition) -> bool:
        """The submission's only delivery, for a portal known to want no callbacks (PostgreSQL only)."""
        d = t.delivery
        return (
            self.db.is_postgres
            and d.kind == DeliveryKind.SUBMISSION.value
            and d.delivery_count == 1
            and self.outbox.known_without(d.client_id)
        )

    def release(self, d: LeasedDelivery, at: datetime) -> bool:
        """Give a leased delivery back without counting the attempt (the worker did not send it)."""
        with self.db.write() as conn:
            res = conn.execute(
                update(delivery)
                .where(*still_held(d))
                .values(
                    state=given_back(d).value,
                    attempts=delivery.c.attempts - 1,
                    next_attempt_at=at,
                    enqueued_at=at,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=utcnow(),
                )
            )
        return bool(res.rowcount)

    def attachments(self, submission_id: str) -> tuple[MessageAttachment, ...]:
        """The submission's files in their posted order, for connectors that send them separately."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(
                    attachment.c.position,
                    attachment.c.file_name,
                    attachment.c.media_type,
                    attachment.c.sha256,
                    attachment.c.content,
                )
                .where(attachment.c.submission_id == submission_id)
                .order_by(attachment.c.position)
            ).all()
        open_ = self.db.sealer
        return tuple(
            MessageAttachment(
                open_.open_text(r.file_name, contexts.file_name(submission_id, r.position)) or "",
                r.media_type,
                r.sha256,
                open_.open(r.content, contexts.attachment(submission_id, r.position)),
            )
            for r in rows
        )

    # -- the deferral of a waiting delivery (limits, pause) ------------------------------------

    def defer(self, delivery_id: str, at: datetime) -> bool:
        """Move a waiting delivery's next attempt to ``at`` without spending an attempt."""
        with self.db.write() as conn:
            res = conn.execute(
                update(delivery)
                .where(delivery.c.id == delivery_id, delivery.c.state.in_(_WAITING))
                .values(next_attempt_at=at, enqueued_at=at, updated_at=utcnow())
            )
        return bool(res.rowcount)

    # -- the operator's side -----------------------------------------------------------------

    def replay(
        self,
        *,
        ids: Sequence[str] | None = None,
        destination: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        municipalities: Sequence[str] | None = None,
        actor: str = "operator",
        for_sweeper: bool = False,
    ) -> list[tuple[str, str]]:
        """Make dead deliveries pending again; returns the (delivery, destination) pairs to enqueue."""
        now = utcnow()
        query = dead_letters_to_replay(
            ids=ids, destination=destination, since=since, until=until, municipalities=municipalities
        )
        replayed: list[tuple[str, str]] = []
        with self.db.write() as conn:
            targets = conn.execute(query.order_by(delivery.c.submission_id)).all()
            by_submission: dict[str, list[Any]] = {}
            for t in targets:
                by_submission.setdefault(t.submission_id, []).append(t)
            for submission_id, group in by_submission.items():
                replayed += self._replay_group(conn, submission_id, group, now, actor=actor, for_sweeper=for_sweeper)
        return replayed

    def _replay_group(
        self, conn: Connection, submission_id: str, group: list[Any], now: datetime, *, actor: str, for_sweeper: bool
    ) -> list[tuple[str, str]]:
        """Replay one submission's dead letters: pending again, its status re-derived, callbacks queued."""
        head = lock_submission(conn, submission_id)
        conn.execute(
            update(delivery)
            .where(delivery.c.id.in_([t.id for t in group]), delivery.c.state == S.DEAD.value)
            .values(
                state=S.PENDING.value,
                attempts=0,
                queued_at=now,
                next_attempt_at=now,
                # None: "never enqueued", so any sweeper takes it at its next pass.
                enqueued_at=None if for_sweeper else now,
                dead_at=None,
                updated_at=now,
            )
        )
        sealer = self.db.sealer
        events = [
            event_row(
                submission_id, t.id, EventKind.REPLAYED, now, {"destination": t.destination_id, "by": actor}, sealer
            )
            for t in group
        ]
        change = update_status(conn, head, now)
        if change.event is not None:
            kind, status_detail = change.event
            events.append(event_row(submission_id, None, kind, now, status_detail, sealer))
        insert_events(conn, events)
        replayed: list[tuple[str, str]] = []
        for t in group:
            if t.kind == DeliveryKind.REPLY.value:  # a reply changes no status the portal hears of
                continue
            callback = status_callbacks.after_replay(
                t.client_id, submission_id, t.destination_id, change.status.value, now
            )
            replayed += self.outbox.queue(conn, callback, (t.headers or {}).get(CORRELATION_HEADER))
        return replayed + [(t.id, t.destination_id) for t in group]
