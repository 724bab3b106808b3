"""Deliveries: leasing, settling attempts, the retry schedule, dead letters and replay.

Every transition is one transaction that updates the delivery, re-derives its submission's
status, appends events and, for portals that asked for them, queues a status callback (an
outbox row in the same table, delivered by the same machinery). Lock order is always
submission row first, then delivery rows, so concurrent workers never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, bindparam, func, insert, select, update

from hub.domain.message import MessageAttachment
from hub.domain.states import DeliveryKind, DeliveryState, EventKind, overall_status
from hub.logging import CORRELATION_HEADER
from hub.store.callback_targets import CallbackTargets, callback_destination
from hub.store.db import Database
from hub.store.single_settle import SettleItem, settle_batch
from hub.store.submissions import insert_events
from hub.store.tables import attachment, delivery, submission
from hub.store.transitions import Attempt, LeasedDelivery, Settled, Transition, dead, delivered, retry_at
from hub.store.types import utcnow

S = DeliveryState
_WAITING = (S.PENDING.value, S.RETRYING.value)
LEASE_EARLY_GRACE = timedelta(milliseconds=50)


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    submission_id: str
    destination_id: str
    kind: str
    state: str
    attempts: int
    municipality: str
    service: str
    created_at: datetime
    next_attempt_at: datetime | None
    last_error: str | None
    last_status_code: int | None
    dead_at: datetime | None
    delivered_at: datetime | None


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


def _still_held(d: LeasedDelivery) -> tuple[ColumnElement[bool], ...]:
    """The delivery is in flight under this worker's lease (not taken over since)."""
    return (delivery.c.id == d.id, delivery.c.lease_owner == d.owner, delivery.c.state == S.IN_FLIGHT.value)


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._callbacks = CallbackTargets()

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
        return [LeasedDelivery(**rows[i]._mapping, owner=owner) for i in delivery_ids if i in rows]

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

    def delivered(self, d: LeasedDelivery, attempt: Attempt, receipt: dict[str, Any]) -> Settled:
        return self.settle([delivered(d, attempt, receipt)])[0]

    def retry_at(self, d: LeasedDelivery, attempt: Attempt, at: datetime) -> Settled:
        return self.settle([retry_at(d, attempt, at)])[0]

    def dead(self, d: LeasedDelivery, attempt: Attempt, reason: str) -> Settled:
        return self.settle([dead(d, attempt, reason)])[0]

    def settle(self, transitions: list[Transition]) -> list[Settled]:
        """Apply the outcomes of attempts; those that qualify share one statement on PostgreSQL."""
        fast = [
            t
            for t in transitions
            if self.db.is_postgres
            and t.delivery.kind == DeliveryKind.SUBMISSION.value
            and t.delivery.delivery_count == 1
            and self._callbacks.known_without(t.delivery.client_id)
        ]
        done: dict[str, Settled] = {}
        if fast:
            done |= self._settle_together(fast)
        for t in transitions:
            if t.delivery.id not in done:
                done[t.delivery.id] = self._settle(t)
        return [done[t.delivery.id] for t in transitions]

    def release(self, d: LeasedDelivery, at: datetime) -> bool:
        """Give a leased delivery back without counting the attempt (the worker did not send it)."""
        with self.db.write() as conn:
            res = conn.execute(
                update(delivery)
                .where(*_still_held(d))
                .values(
                    state=S.PENDING.value if d.attempts <= 1 else S.RETRYING.value,
                    attempts=delivery.c.attempts - 1,
                    next_attempt_at=at,
                    enqueued_at=at,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=utcnow(),
                )
            )
        return bool(res.rowcount)

    def _settle(self, t: Transition) -> Settled:
        d, state, values, events, attempt, now = (t.delivery, t.state, t.values, t.events, t.attempt, t.at)
        is_submission = d.kind == DeliveryKind.SUBMISSION.value
        with self.db.write() as conn:
            head = self._lock_submission(conn, d.submission_id) if is_submission else None
            res = conn.execute(
                update(delivery)
                .where(*_still_held(d))
                .values(
                    state=state.value,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                    **values,
                )
            )
            if not res.rowcount:
                return Settled(applied=False)  # another worker took the expired lease over
            rows = [self._event(d.submission_id, d.id, EventKind.ATTEMPT, now, attempt.detail(d))]
            rows += [self._event(d.submission_id, d.id, kind, now, detail) for kind, detail in events]
            status = None
            callbacks: list[tuple[str, str]] = []
            if head is not None:
                status, changed = self._derive_status(conn, d.submission_id, head, {d.id: state}, now)
                if changed:
                    rows.append(self._event(d.submission_id, None, EventKind.STATUS_CHANGED, now, {"status": status}))
                callbacks = self.queue_callback(
                    conn,
                    d.client_id,
                    d.submission_id,
                    now,
                    d.headers.get(CORRELATION_HEADER),
                    {
                        "status": status,
                        "destination": d.destination_id,
                        "deliveryState": state.value,
                        "attempts": d.attempts,
                        "reason": values.get("last_error"),
                    },
                )
            insert_events(conn, rows)
        return Settled(applied=True, status=status, callbacks=callbacks)

    def _settle_together(self, transitions: list[Transition]) -> dict[str, Settled]:
        items = []
        for t in transitions:
            d = t.delivery
            rows = [self._event(d.submission_id, d.id, EventKind.ATTEMPT, t.at, t.attempt.detail(d))]
            rows += [self._event(d.submission_id, d.id, k, t.at, detail) for k, detail in t.events]
            items.append(
                SettleItem(
                    delivery_id=d.id,
                    owner=d.owner,
                    submission_id=d.submission_id,
                    state=t.state.value,
                    status=overall_status([t.state]).value,
                    values=t.values,
                    events=rows,
                )
            )
        with self._single_statement() as conn:
            applied = settle_batch(conn, items, utcnow())
        return {
            item.delivery_id: Settled(applied=ok, status=item.status if ok else None)
            for item, ok in zip(items, applied, strict=True)
        }

    # -- shared pieces -----------------------------------------------------------------------

    @staticmethod
    def _event(
        submission_id: str,
        delivery_id: str | None,
        kind: EventKind,
        at: datetime,
        detail: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "submission_id": submission_id,
            "delivery_id": delivery_id,
            "kind": kind.value,
            "at": at,
            "detail": detail,
        }

    @staticmethod
    def _lock_submission(conn: Connection, submission_id: str) -> Any:
        return conn.execute(
            select(submission.c.status, submission.c.delivery_count)
            .where(submission.c.id == submission_id)
            .with_for_update()
        ).one()

    @staticmethod
    def _derive_status(
        conn: Connection,
        submission_id: str,
        head: Any,
        known: dict[str, DeliveryState],
        now: datetime,
    ) -> tuple[str, bool]:
        if head.delivery_count == len(known):
            states = list(known.values())
        else:
            rows = conn.execute(
                select(delivery.c.state).where(
                    delivery.c.submission_id == submission_id,
                    delivery.c.kind == DeliveryKind.SUBMISSION.value,
                )
            ).scalars()
            states = [S(s) for s in rows]
        status = overall_status(states).value
        if status == head.status:
            return status, False
        conn.execute(update(submission).where(submission.c.id == submission_id).values(status=status, updated_at=now))
        return status, True

    def queue_callback(
        self,
        conn: Connection,
        client_id: str,
        submission_id: str,
        now: datetime,
        correlation_id: str | None,
        change: dict[str, Any],
    ) -> list[tuple[str, str]]:
        """A status callback to the client (if it asked for them) in `conn`'s transaction; what to nudge."""
        if not self._callbacks.wants(conn, client_id):
            return []
        callback_id = str(uuid.uuid4())
        body = {
            "type": "submission.status-changed",
            "submissionId": submission_id,
            "changedAt": now.isoformat(),
            **change,
        }
        conn.execute(
            insert(delivery).values(
                id=callback_id,
                submission_id=submission_id,
                client_id=client_id,
                destination_id=callback_destination(client_id),
                kind=DeliveryKind.CALLBACK.value,
                message_id=callback_id,
                state=S.PENDING.value,
                attempts=0,
                created_at=now,
                queued_at=now,
                next_attempt_at=now,
                enqueued_at=now,
                updated_at=now,
                media_type="application/json",
                # Not sent (the callback signs its own headers): it ties the worker's logs to the request.
                headers={CORRELATION_HEADER: correlation_id} if correlation_id else {},
                payload=orjson.dumps(body),
            )
        )
        return [(callback_id, callback_destination(client_id))]

    def attachments(self, submission_id: str) -> tuple[MessageAttachment, ...]:
        """The submission's files in their posted order, for connectors that send them separately."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(attachment.c.file_name, attachment.c.media_type, attachment.c.sha256, attachment.c.content)
                .where(attachment.c.submission_id == submission_id)
                .order_by(attachment.c.position)
            ).all()
        return tuple(MessageAttachment(r.file_name, r.media_type, r.sha256, r.content) for r in rows)

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
        query = (
            select(
                delivery.c.id,
                delivery.c.submission_id,
                delivery.c.client_id,
                delivery.c.destination_id,
                delivery.c.headers,
            )
            .join(submission, submission.c.id == delivery.c.submission_id)
            .where(delivery.c.state == S.DEAD.value, delivery.c.kind == DeliveryKind.SUBMISSION.value)
        )
        if ids is not None:
            query = query.where(delivery.c.id.in_(list(ids)))
        if destination is not None:
            query = query.where(delivery.c.destination_id == destination)
        if since is not None:
            query = query.where(delivery.c.dead_at >= since)
        if until is not None:
            query = query.where(delivery.c.dead_at < until)
        if municipalities is not None:
            query = query.where(submission.c.municipality.in_(list(municipalities)))
        replayed: list[tuple[str, str]] = []
        with self.db.write() as conn:
            targets = conn.execute(query.order_by(delivery.c.submission_id)).all()
            by_submission: dict[str, list[Any]] = {}
            for t in targets:
                by_submission.setdefault(t.submission_id, []).append(t)
            for submission_id, group in by_submission.items():
                head = self._lock_submission(conn, submission_id)
                ids_here = [t.id for t in group]
                conn.execute(
                    update(delivery)
                    .where(delivery.c.id.in_(ids_here), delivery.c.state == S.DEAD.value)
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
                events = [
                    self._event(
                        submission_id,
                        t.id,
                        EventKind.REPLAYED,
                        now,
                        {"destination": t.destination_id, "by": actor},
                    )
                    for t in group
                ]
                status, changed = self._derive_status(conn, submission_id, head, {}, now)
                if changed:
                    events.append(self._event(submission_id, None, EventKind.STATUS_CHANGED, now, {"status": status}))
                insert_events(conn, events)
                for t in group:
                    replayed += self.queue_callback(
                        conn,
                        t.client_id,
                        submission_id,
                        now,
                        (t.headers or {}).get(CORRELATION_HEADER),
                        {
                            "status": status,
                            "destination": t.destination_id,
                            "deliveryState": S.PENDING.value,
                            "attempts": 0,
                            "reason": None,
                        },
                    )
                replayed += [(t.id, t.destination_id) for t in group]
        return replayed

    def list(
        self,
        *,
        state: str | None = None,
        destination: str | None = None,
        municipality: str | None = None,
        service: str | None = None,
        kind: str | None = DeliveryKind.SUBMISSION.value,
        limit: int = 100,
    ) -> list[DeliveryRow]:
        query = select(
            delivery.c.id,
            delivery.c.submission_id,
            delivery.c.destination_id,
            delivery.c.kind,
            delivery.c.state,
            delivery.c.attempts,
            submission.c.municipality,
            submission.c.service,
            delivery.c.created_at,
            delivery.c.next_attempt_at,
            delivery.c.last_error,
            delivery.c.last_status_code,
            delivery.c.dead_at,
            delivery.c.delivered_at,
        ).join(submission, submission.c.id == delivery.c.submission_id)
        if state:
            query = query.where(delivery.c.state == state)
        if destination:
            query = query.where(delivery.c.destination_id == destination)
        if municipality:
            query = query.where(submission.c.municipality == municipality)
        if service:
            query = query.where(submission.c.service == service)
        if kind:
            query = query.where(delivery.c.kind == kind)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(delivery.c.created_at.desc()).limit(limit)).all()
        return [DeliveryRow(**r._mapping) for r in rows]

    def counts(self) -> dict[tuple[str, str], int]:
        """(destination, state) -> number of deliveries: the backlog view."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(delivery.c.destination_id, delivery.c.state, func.count()).group_by(
                    delivery.c.destination_id, delivery.c.state
                )
            ).all()
        return {(r[0], r[1]): int(r[2]) for r in rows}
