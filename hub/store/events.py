"""The submissions' event log, written: append-only rows, one per thing that happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from hub.domain.states import EventKind
from hub.sealing import Sealer
from hub.store.sealed_columns import seal_detail
from hub.store.tables import event

# Built once: a statement object reused across calls keeps SQLAlchemy's compiled-cache key
# computation off the hot paths.
INSERT_EVENT = insert(event)


def event_row(
    submission_id: str,
    delivery_id: str | None,
    kind: EventKind,
    at: datetime,
    detail: dict[str, Any],
    sealer: Sealer,
) -> dict[str, Any]:
    """One event's row (``delivery_id`` None: the event is about the whole submission).

    The sealer is not optional: a detail member that may quote a receiver (an error text, a
    receipt) is sealed here, so no caller can write one in plaintext by forgetting to.
    """
    sealed = seal_detail(sealer, submission_id, delivery_id, kind.value, detail)
    return {"submission_id": submission_id, "delivery_id": delivery_id, "kind": kind.value, "at": at, "detail": sealed}


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(INSERT_EVENT, rows)
