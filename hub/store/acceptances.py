"""Receivers' later decisions on delivered messages, recorded in the receipt and the event log.

What a decision makes of a delivery is the domain's rule (:mod:`hub.domain.acceptance`): an
acceptance is noted in the receipt, a rejection turns the delivery dead (and the submission's
status follows), an overdue decision is flagged once. This module finds the deliveries that
await a decision and writes what was decided, with the status callback it causes. No new column:
everything lives in the receipt JSON and the event log. The receipt is sealed
(``delivery.receipt/<delivery id>``): it is opened here, in memory, to see whether it awaits a
decision, and sealed again with what was decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from hub.domain import acceptance, status_callbacks
from hub.domain.acceptance import Outcome, OutcomeKind
from hub.domain.clock import utcnow
from hub.domain.states import DeliveryKind, DeliveryState
from hub.logging import CORRELATION_HEADER
from hub.store import sealed_columns as contexts
from hub.store.callback_outbox import CallbackOutbox
from hub.store.db import Database
from hub.store.events import event_row, insert_events
from hub.store.submission_status import lock_submission, update_status
from hub.store.tables import delivery, submission

S = DeliveryState


@dataclass(frozen=True)
class AwaitingDelivery:
    id: str
    submission_id: str
    destination_id: str
    delivered_at: datetime
    receipt: dict[str, Any]
    overdue_flagged: bool


@dataclass(frozen=True)
class Recorded:
    """What recording a decision changed: whether anything did, and the callbacks to nudge."""

    changed: bool
    callbacks: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.changed


@dataclass(frozen=True)
class _Awaiting:
    receipt: dict[str, Any]
    client_id: str
    correlation_id: str | None


class AcceptanceStore:
    def __init__(self, db: Database, outbox: CallbackOutbox | None = None) -> None:
        self.db = db
        self.outbox = outbox
        """Where the portal's status callback on a decision is queued (None: no callbacks)."""

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
        opened = [(r, self.db.sealer.open_json(r.receipt, contexts.receipt(r.id))) for r in rows]
        return [
            AwaitingDelivery(
                r.id,
                r.submission_id,
                r.destination_id,
                r.delivered_at,
                receipt,
                acceptance.flagged_overdue(receipt),
            )
            for r, receipt in opened
            if acceptance.awaits_decision(receipt)
        ]

    def record(self, d: AwaitingDelivery, outcome: Outcome) -> Recorded:
        """The receiver's decision, if the delivery still awaits one; a rejection kills the delivery."""
        now = utcnow()
        with self.db.write() as conn:
            # A rejection changes the submission's status: its row is locked first, as always.
            head = lock_submission(conn, d.submission_id) if outcome.kind is OutcomeKind.REJECTED else None
            row = self._still_awaiting(conn, d.id)
            if row is None:
                return Recorded(False)
            decision = acceptance.decide(d.destination_id, row.receipt, outcome, now)
            sealer = self.db.sealer
            receipt = sealer.seal_json(decision.receipt, contexts.receipt(d.id))
            values: dict[str, Any] = {"receipt": receipt, "updated_at": now}
            if decision.reason is not None:
                values |= {
                    "state": decision.state.value,
                    "dead_at": now,
                    "last_error": sealer.seal_text(decision.reason, contexts.last_error(d.id)),
                    "last_error_kind": "refused",
                }
            conn.execute(update(delivery).where(delivery.c.id == d.id).values(**values))
            kind, detail = decision.event
            events = [event_row(d.submission_id, d.id, kind, now, detail, sealer)]
            if head is None:
                status = conn.execute(
                    select(submission.c.status).where(submission.c.id == d.submission_id)
                ).scalar_one()
            else:
                change = update_status(conn, head, now)
                status = change.status.value
                if change.event is not None:
                    status_kind, status_detail = change.event
                    events.append(event_row(d.submission_id, None, status_kind, now, status_detail, sealer))
            insert_events(conn, events)
            callback = status_callbacks.after_decision(
                row.client_id, d.submission_id, d.destination_id, status, outcome, now, reason=decision.reason
            )
            callbacks = self.outbox.queue(conn, callback, row.correlation_id) if self.outbox is not None else []
        return Recorded(True, callbacks)

    def overdue(self, d: AwaitingDelivery, deadline_seconds: float) -> bool:
        """Flag (once) that the receiver did not decide within ``deadline_seconds``."""
        now = utcnow()
        with self.db.write() as conn:
            row = self._still_awaiting(conn, d.id)
            if row is None or acceptance.flagged_overdue(row.receipt):
                return False
            decision = acceptance.overdue(d.destination_id, row.receipt, deadline_seconds, now)
            sealed = self.db.sealer.seal_json(decision.receipt, contexts.receipt(d.id))
            conn.execute(update(delivery).where(delivery.c.id == d.id).values(receipt=sealed, updated_at=now))
            kind, detail = decision.event
            insert_events(conn, [event_row(d.submission_id, d.id, kind, now, detail, self.db.sealer)])
        return True

    def _still_awaiting(self, conn: Connection, delivery_id: str) -> _Awaiting | None:
        query = select(delivery.c.state, delivery.c.receipt, delivery.c.client_id, delivery.c.headers).where(
            delivery.c.id == delivery_id
        )
        if self.db.is_postgres:
            query = query.with_for_update()
        row = conn.execute(query).one_or_none()
        if row is None or row.state != S.DELIVERED.value:
            return None
        receipt = self.db.sealer.open_json(row.receipt, contexts.receipt(delivery_id))
        if not acceptance.awaits_decision(receipt):
            return None
        return _Awaiting(dict(receipt), row.client_id, (row.headers or {}).get(CORRELATION_HEADER))
