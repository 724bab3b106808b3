"""The submissions each source listed and the hub has not answered (table ``inbound_waiting``).

Each pass replaces a source's rows with what its listing showed minus what the pass answered: a
row keeps the time it was first seen, a row whose submission is gone (answered, withdrawn, rejected
by the platform) is deleted. The rows hold platform ids and reasons only, no content.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from hub.domain.clock import utcnow
from hub.domain.unanswered import WaitingSubmission
from hub.store.db import Database
from hub.store.tables import inbound_waiting

__all__ = ["InboundWaiting"]

REASON_CHARS = 40


class InboundWaiting:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, source_id: str, waiting: Mapping[str, str | None], now: datetime | None = None) -> None:
        """``waiting``: platform id → why it is not answered, for every submission still waiting at the source."""
        at = now or utcnow()
        t = inbound_waiting.c
        with self.db.write() as conn:
            known = set(conn.execute(select(t.external_id).where(t.source_id == source_id)).scalars())
            gone = known - set(waiting)
            if gone:
                conn.execute(delete(inbound_waiting).where(t.source_id == source_id, t.external_id.in_(gone)))
            for external_id, reason in waiting.items():
                why = reason[:REASON_CHARS] if reason else None
                if external_id in known:
                    conn.execute(
                        update(inbound_waiting)
                        .where(t.source_id == source_id, t.external_id == external_id)
                        .values(last_seen_at=at, reason=why)
                    )
                else:
                    conn.execute(
                        insert(inbound_waiting).values(
                            source_id=source_id, external_id=external_id, first_seen_at=at, last_seen_at=at, reason=why
                        )
                    )

    def waiting(self, source_id: str | None = None) -> list[WaitingSubmission]:
        """Oldest first."""
        t = inbound_waiting.c
        query = select(t.source_id, t.external_id, t.first_seen_at, t.reason)
        if source_id is not None:
            query = query.where(t.source_id == source_id)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        found = [WaitingSubmission(r[0], r[1], r[2], r[3]) for r in rows]
        return sorted(found, key=lambda w: w.since)
