"""Receivers' later decisions on delivered messages: kept in the delivery's receipt and in events.

A delivery whose receipt says ``awaitingAcceptance`` is delivered but not yet decided. Accepted:
the receipt records it and an ``accepted`` event is appended. Rejected: the delivery turns dead
with the receiver's problems as its reason (and the submission's status follows). Not decided in
time: an ``acceptance_overdue`` event, once (the receipt remembers the flag). No new column:
everything lives in the receipt JSON and the event log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from hub.domain.outcome import Outcome
from hub.domain.states import DeliveryKind, DeliveryState, EventKind, overall_status
from hub.logging import CORRELATION_HEADER
from hub.store.db import Database
from hub.store.submissions import insert_events
from hub.store.tables import delivery, submission
from hub.store.types import utcnow

S = DeliveryState


@dataclass(frozen=True)
class AwaitingDelivery:
    id: str
    submission_id: str
    destination_id: str
    delivered_at: datetime
    receipt: dict[str, Any]
    overdue_flagged: bool


QueueCallback = Callable[[Connection, str, str, datetime, str | None, dict[str, Any]], list[tuple[str, str]]]
""":meth:`hub.store.deliveries.DeliveryStore.queue_callback`: a status callback in the same transaction."""


@dataclass(frozen=True)
class Decided:
    """What recording an outcome changed: whether anything did, and the callbacks to nudge."""

    changed: bool
    callbacks: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.changed


class OutcomeStore:
    def __init__(self, db: Database, queue_callback: QueueCallback | None = None) -> None:
        self.db = db
        self.queue_callback = queue_callback

    def awaiting(
        self, destination_ids: Sequence[str], *, submission_ids: Sequence[str] | None = None, limit: int = 500
    ) -> list[AwaitingDelivery]:
        """Delivered submissions of these destinations whose receiver has not decided yet, oldest first."""
        query = select(
            delivery.c.id,
            delivery.c.submission_id,
            delivery.c.destination_id,
            delivery.c.delivered_at,
            delivery.c.receipt,
        ).where(
            delivery.c.state == S.DELIVERED.value,
            delivery.c.kind == DeliveryKind.SUBMISSION.value,
            delivery.c.destination_id.in_(list(destination_ids)),
        )
        if submission_ids is not None:
            query = query.where(delivery.c.submission_id.in_(list(submission_ids)))
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(delivery.c.delivered_at).limit(limit)).all()
        return [
            AwaitingDelivery(
                r.id, r.submission_id, r.destination_id, r.delivered_at, r.receipt, bool(r.receipt.get("overdueAt"))
            )
            for r in rows
            if isinstance(r.receipt, dict) and r.receipt.get("awaitingAcceptance")
        ]

    def accepted(self, d: AwaitingDelivery, outcome: Outcome) -> Decided:
        now = utcnow()
        with self.db.write() as conn:
            row = self._still_awaiting(conn, d.id)
            if row is None:
                return Decided(False)
            receipt = row.receipt
            receipt = {
                **receipt,
                "awaitingAcceptance": False,
                "outcome": outcome.kind.value,
                "decidedAt": now.isoformat(),
            }
            conn.execute(update(delivery).where(delivery.c.id == d.id).values(receipt=receipt, updated_at=now))
            detail = {"destination": d.destination_id, **outcome.detail}
            insert_events(conn, [_event(d, EventKind.ACCEPTED, now, detail)])
            status = conn.execute(select(submission.c.status).where(submission.c.id == d.submission_id)).scalar_one()
            change = {"status": status, "destination": d.destination_id, "deliveryState": S.DELIVERED.value}
            callbacks = self._callback(conn, row, d, now, {**change, "outcome": outcome.kind.value})
        return Decided(True, callbacks)

    def rejected(self, d: AwaitingDelivery, outcome: Outcome) -> Decided:
        now = utcnow()
        reason = "rejected by the receiver: " + ("; ".join(outcome.problems) or "no reason given")
        with self.db.write() as conn:
            head = conn.execute(
                select(submission.c.status).where(submission.c.id == d.submission_id).with_for_update()
            ).one()
            row = self._still_awaiting(conn, d.id)
            if row is None:
                return Decided(False)
            receipt = {
                **row.receipt,
                "awaitingAcceptance": False,
                "outcome": outcome.kind.value,
                "problems": list(outcome.problems),
                "decidedAt": now.isoformat(),
            }
            conn.execute(
                update(delivery)
                .where(delivery.c.id == d.id)
                .values(state=S.DEAD.value, dead_at=now, last_error=reason, receipt=receipt, updated_at=now)
            )
            detail = {
                "destination": d.destination_id,
                "reason": reason,
                "problems": list(outcome.problems),
                **outcome.detail,
            }
            events = [_event(d, EventKind.DEAD, now, detail)]
            states = conn.execute(
                select(delivery.c.state).where(
                    delivery.c.submission_id == d.submission_id, delivery.c.kind == DeliveryKind.SUBMISSION.value
                )
            ).scalars()
            status = overall_status([S(s) for s in states]).value
            if status != head.status:
                conn.execute(
                    update(submission).where(submission.c.id == d.submission_id).values(status=status, updated_at=now)
                )
                events.append({**_event(d, EventKind.STATUS_CHANGED, now, {"status": status}), "delivery_id": None})
            insert_events(conn, events)
            change = {"status": status, "destination": d.destination_id, "deliveryState": S.DEAD.value}
            callbacks = self._callback(conn, row, d, now, {**change, "outcome": outcome.kind.value, "reason": reason})
        return Decided(True, callbacks)

    def overdue(self, d: AwaitingDelivery, deadline_seconds: float) -> bool:
        now = utcnow()
        with self.db.write() as conn:
            row = self._still_awaiting(conn, d.id)
            receipt = row.receipt if row is not None else None
            if receipt is None or receipt.get("overdueAt"):
                return False
            conn.execute(
                update(delivery)
                .where(delivery.c.id == d.id)
                .values(receipt={**receipt, "overdueAt": now.isoformat()}, updated_at=now)
            )
            detail = {"destination": d.destination_id, "acceptWithinSeconds": deadline_seconds}
            insert_events(conn, [_event(d, EventKind.ACCEPTANCE_OVERDUE, now, detail)])
        return True

    def _still_awaiting(self, conn: Connection, delivery_id: str) -> _Awaiting | None:
        query = select(delivery.c.state, delivery.c.receipt, delivery.c.client_id, delivery.c.headers).where(
            delivery.c.id == delivery_id
        )
        if self.db.is_postgres:
            query = query.with_for_update()
        row = conn.execute(query).one_or_none()
        if row is None or row.state != S.DELIVERED.value or not isinstance(row.receipt, dict):
            return None
        if not row.receipt.get("awaitingAcceptance"):
            return None
        return _Awaiting(dict(row.receipt), row.client_id, (row.headers or {}).get(CORRELATION_HEADER))

    def _callback(
        self, conn: Connection, row: _Awaiting, d: AwaitingDelivery, now: datetime, change: dict[str, Any]
    ) -> list[tuple[str, str]]:
        """The portal hears of the receiver's decision like of any other change (if it asked for callbacks)."""
        if self.queue_callback is None:
            return []
        return self.queue_callback(conn, row.client_id, d.submission_id, now, row.correlation_id, change)


@dataclass(frozen=True)
class _Awaiting:
    receipt: dict[str, Any]
    client_id: str
    correlation_id: str | None


def _event(d: AwaitingDelivery, kind: EventKind, at: datetime, detail: dict[str, Any]) -> dict[str, Any]:
    return {"submission_id": d.submission_id, "delivery_id": d.id, "kind": kind.value, "at": at, "detail": detail}
