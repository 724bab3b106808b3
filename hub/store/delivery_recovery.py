"""The sweeper's side of the deliveries: expired leases recorded as abandoned attempts, lost nudges.

It is what makes the broker disposable and a killed worker harmless: every pass finds in the
database what no broker message will bring (a worker that stopped renewing its lease, a nudge lost
with a Redis flush) and hands it back to be nudged. Several sweepers may run (one per worker
process); ``FOR UPDATE SKIP LOCKED`` keeps them apart on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, bindparam, or_, select, update

from hub.domain.clock import utcnow
from hub.domain.states import DeliveryState
from hub.domain.transitions import ABANDONED_REASON, abandoned
from hub.store import sealed_columns as contexts
from hub.store.db import Database
from hub.store.events import event_row, insert_events
from hub.store.tables import delivery

S = DeliveryState
_WAITING = (S.PENDING.value, S.RETRYING.value)


class DeliveryRecovery:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim_due(self, *, stale_after: float, limit: int = 500) -> list[tuple[str, str]]:
        """Expired leases (recorded as abandoned attempts, see :meth:`recover_expired`) and due
        deliveries whose broker message may be lost: mark them re-enqueued, return them to nudge."""
        recovered = self.recover_expired(limit=limit)
        now = utcnow()
        stale = now - timedelta(seconds=stale_after)
        never_or_stale = or_(delivery.c.enqueued_at.is_(None), delivery.c.enqueued_at <= stale)
        due = and_(delivery.c.state.in_(_WAITING), delivery.c.next_attempt_at <= now, never_or_stale)
        with self.db.write() as conn:
            query = (
                select(delivery.c.id, delivery.c.destination_id)
                .where(due)
                .order_by(delivery.c.next_attempt_at)
                .limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            claimed = [(r.id, r.destination_id) for r in conn.execute(query)]
            if claimed:
                ids = [c[0] for c in claimed]
                conn.execute(update(delivery).where(delivery.c.id.in_(ids)).values(enqueued_at=now))
        return recovered + claimed

    def recover_expired(self, *, limit: int = 500) -> list[tuple[str, str]]:
        """Deliveries whose worker stopped renewing its lease (killed, or cut off from the database):
        the attempt it had started is recorded as abandoned (it may or may not have reached the
        receiver, whose duplicate check covers a resend), and the delivery is due again at once."""
        now = utcnow()
        with self.db.write() as conn:
            query = (
                select(
                    delivery.c.id,
                    delivery.c.submission_id,
                    delivery.c.destination_id,
                    delivery.c.attempts,
                    delivery.c.lease_owner,
                    delivery.c.lease_expires_at,
                )
                .where(delivery.c.state == S.IN_FLIGHT.value, delivery.c.lease_expires_at < now)
                .limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            if not rows:
                return []
            # One statement, executed for every row: each row's last error is sealed for that row.
            conn.execute(
                update(delivery)
                .where(delivery.c.id == bindparam("b_id"), delivery.c.state == S.IN_FLIGHT.value)
                .values(
                    state=S.RETRYING.value,
                    next_attempt_at=now,
                    enqueued_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                    last_error=bindparam("b_error"),
                    last_error_kind="abandoned",
                    updated_at=now,
                ),
                [
                    {"b_id": r.id, "b_error": self.db.sealer.seal_text(ABANDONED_REASON, contexts.last_error(r.id))}
                    for r in rows
                ],
            )
            events = [abandoned(r.destination_id, r.attempts, r.lease_expires_at) for r in rows]
            insert_events(
                conn,
                [
                    event_row(r.submission_id, r.id, kind, now, detail, self.db.sealer)
                    for r, (kind, detail) in zip(rows, events, strict=True)
                ],
            )
        return [(r.id, r.destination_id) for r in rows]
