"""The backlog read model: per destination, deliveries by state and the oldest one still waiting.

Read at scrape time by the metrics and by ``hub destinations``; one grouped count and one grouped
minimum over the deliveries to destinations (portal callbacks are not destinations and left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from hub.domain.states import DeliveryKind, DeliveryState
from hub.store.db import Database
from hub.store.tables import delivery

WAITING = (DeliveryState.PENDING.value, DeliveryState.RETRYING.value)
"""Backlog: deliveries waiting for an attempt (``in_flight`` ones are being attempted)."""
UNFINISHED = (*WAITING, DeliveryState.IN_FLIGHT.value)


@dataclass
class DestinationBacklog:
    counts: dict[str, int] = field(default_factory=dict)
    oldest_waiting: datetime | None = None
    """``queued_at`` of the oldest delivery not yet delivered or dead (as the console shows it)."""

    @property
    def backlog(self) -> int:
        return sum(self.counts.get(s, 0) for s in WAITING)

    @property
    def dead(self) -> int:
        return self.counts.get(DeliveryState.DEAD.value, 0)


def read_backlog(db: Database) -> dict[str, DestinationBacklog]:
    """destination id -> its backlog, for every destination that has deliveries."""
    out: dict[str, DestinationBacklog] = {}
    to_destination = delivery.c.kind == DeliveryKind.SUBMISSION.value
    with db.read() as conn:
        for destination_id, state, n in conn.execute(
            select(delivery.c.destination_id, delivery.c.state, func.count())
            .where(to_destination)
            .group_by(delivery.c.destination_id, delivery.c.state)
        ):
            out.setdefault(destination_id, DestinationBacklog()).counts[state] = int(n)
        for destination_id, oldest in conn.execute(
            select(delivery.c.destination_id, func.min(delivery.c.queued_at))
            .where(to_destination, delivery.c.state.in_(UNFINISHED))
            .group_by(delivery.c.destination_id)
        ):
            out.setdefault(destination_id, DestinationBacklog()).oldest_waiting = oldest
    return out
