"""Submissions: written with their deliveries and first events in one transaction; read for status.

On PostgreSQL the transaction is one statement (:func:`_one_statement`); on SQLite, four inserts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError

from hub.domain.message import OutboundMessage
from hub.domain.states import DeliveryKind, DeliveryState, EventKind, SubmissionStatus
from hub.sealing import Sealer
from hub.store import sealed_columns as contexts
from hub.store.db import Database
from hub.store.events import INSERT_EVENT, event_row
from hub.store.tables import attachment, delivery, event, submission


class DuplicateIdempotencyKey(Exception):
    """Another request with the same client and ``Idempotency-Key`` was committed first."""


@dataclass(frozen=True)
class NewAttachment:
    file_name: str
    media_type: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class NewDelivery:
    id: str
    destination_id: str
    message: OutboundMessage


@dataclass(frozen=True)
class NewSubmission:
    id: str
    client_id: str
    service: str
    municipality: str
    portal_reference: str | None
    idempotency_key: str | None
    request_hash: str
    envelope: dict[str, Any]
    received_at: datetime
    attachments: list[NewAttachment]
    deliveries: list[NewDelivery]


@dataclass(frozen=True)
class DeliveryView:
    id: str
    destination_id: str
    kind: str
    message_id: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_status_code: int | None
    receipt: dict[str, Any] | None
    delivered_at: datetime | None
    dead_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class SubmissionView:
    id: str
    client_id: str
    service: str
    municipality: str
    portal_reference: str | None
    idempotency_key: str | None
    status: str
    received_at: datetime
    updated_at: datetime
    deliveries: list[DeliveryView]
    content_purged_at: datetime | None = None
    """When the personal content was removed (retention or erasure); the record stays until its period ends."""
    content_purge_reason: str | None = None


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    at: datetime
    delivery_id: str | None
    detail: dict[str, Any]


# Built once: a statement object reused across calls keeps SQLAlchemy's compiled-cache key
# computation off the intake's hot path.
_INSERTS = (insert(submission), insert(attachment), insert(delivery), INSERT_EVENT)


def _rows(new: NewSubmission, sealer: Sealer) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The rows of a new submission, in insert order (parents before children), personal content sealed."""
    return [
        (submission, [_submission_row(new, sealer)]),
        (attachment, [_attachment_row(new, i, a, sealer) for i, a in enumerate(new.attachments)]),
        (delivery, [_delivery_row(new, d, sealer) for d in new.deliveries]),
        (event, _first_events(new, sealer)),
    ]


def _submission_row(new: NewSubmission, sealer: Sealer) -> dict[str, Any]:
    return {
        "id": new.id,
        "client_id": new.client_id,
        "service": new.service,
        "municipality": new.municipality,
        "portal_reference": new.portal_reference,
        "idempotency_key": new.idempotency_key,
        "request_hash": new.request_hash,
        "status": SubmissionStatus.ACCEPTED.value,
        "delivery_count": len(new.deliveries),
        "envelope": sealer.seal_json(new.envelope, contexts.envelope(new.id)),
        "received_at": new.received_at,
        "updated_at": new.received_at,
    }


def _attachment_row(new: NewSubmission, position: int, a: NewAttachment, sealer: Sealer) -> dict[str, Any]:
    return {
        "submission_id": new.id,
        "position": position,
        "file_name": sealer.seal_text(a.file_name, contexts.file_name(new.id, position)),
        "media_type": a.media_type,
        "sha256": a.sha256,
        "size": len(a.content),
        "content": sealer.seal(a.content, contexts.attachment(new.id, position)),
    }


def _delivery_row(new: NewSubmission, d: NewDelivery, sealer: Sealer) -> dict[str, Any]:
    message = d.message
    return pending_delivery_row(
        delivery_id=d.id,
        submission_id=new.id,
        client_id=new.client_id,
        destination_id=d.destination_id,
        kind=DeliveryKind.SUBMISSION,
        message_id=message.message_id,
        media_type=message.media_type,
        headers=message.headers,
        body=message.body,
        now=new.received_at,
        sealer=sealer,
    )


def pending_delivery_row(
    *,
    delivery_id: str,
    submission_id: str,
    client_id: str,
    destination_id: str,
    kind: DeliveryKind,
    message_id: str,
    media_type: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    sealer: Sealer,
) -> dict[str, Any]:
    """A new ``delivery`` row, due now, its payload sealed: a submission's or a reply's alike."""
    return {
        "id": delivery_id,
        "submission_id": submission_id,
        "client_id": client_id,
        "destination_id": destination_id,
        "kind": kind.value,
        "message_id": message_id,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "queued_at": now,
        "next_attempt_at": now,
        "enqueued_at": now,
        "updated_at": now,
        "media_type": media_type,
        "headers": dict(headers),
        "payload": sealer.seal(body, contexts.payload(delivery_id)),
    }


def _first_events(new: NewSubmission, sealer: Sealer) -> list[dict[str, Any]]:
    """``received`` for the submission, ``routed`` for each of its deliveries."""
    received = {
        "service": new.service,
        "municipality": new.municipality,
        "attachments": len(new.attachments),
        "idempotencyKey": new.idempotency_key,
    }
    routed = [
        event_row(
            new.id,
            d.id,
            EventKind.ROUTED,
            new.received_at,
            {"destination": d.destination_id, "messageId": d.message.message_id},
            sealer,
        )
        for d in new.deliveries
    ]
    return [event_row(new.id, None, EventKind.RECEIVED, new.received_at, received, sealer), *routed]


@lru_cache(maxsize=256)
def _one_statement(shape: tuple[tuple[Table, tuple[str, ...], int], ...]) -> TextClause:
    """The inserts of a new submission as one chain of data-modifying CTEs.

    ``WITH a AS (INSERT ...), b AS (INSERT ...) SELECT 1`` is one statement: atomic on its own,
    one round trip, no BEGIN/COMMIT exchange; the foreign keys between the inserted rows hold
    because PostgreSQL checks them at the end of the statement. Five round trips become one.
    """
    parts: list[str] = []
    binds = []
    for t_index, (table, columns, count) in enumerate(shape):
        rows = []
        for r in range(count):
            names = [f"t{t_index}r{r}_{c}" for c in columns]
            rows.append("(" + ", ".join(f":{n}" for n in names) + ")")
            binds += [bindparam(n, type_=table.c[c].type) for n, c in zip(names, columns, strict=True)]
        # Table and column names come from the schema, never from input; values are bind parameters.
        insert_sql = f"i{t_index} AS (INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join(rows)})"  # noqa: S608
        parts.append(insert_sql)
    return text("WITH " + ", ".join(parts) + " SELECT 1").bindparams(*binds)


def _insert_in_one_statement(conn: Connection, batches: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    """Insert every batch (a table and its rows, all rows with the same keys) in one statement."""
    batches = [(table, rows) for table, rows in batches if rows]
    shape = tuple((table, tuple(rows[0]), len(rows)) for table, rows in batches)
    params: dict[str, Any] = {}
    for t_index, (_, rows) in enumerate(batches):
        for r, row in enumerate(rows):
            for column, value in row.items():
                params[f"t{t_index}r{r}_{column}"] = value
    conn.execute(_one_statement(shape), params)


def insert_submission(conn: Connection, new: NewSubmission, sealer: Sealer) -> None:
    """The rows of ``new`` inserted on ``conn``, inside the caller's transaction (the inbound mailroom
    stores a received case and its submission together)."""
    for stmt, (_, rows) in zip(_INSERTS, _rows(new, sealer), strict=True):
        if rows:
            conn.execute(stmt, rows)


class SubmissionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, new: NewSubmission) -> None:
        """Store the submission, its attachments, deliveries and first events atomically."""
        batches = _rows(new, self.db.sealer)
        try:
            if self.db.is_postgres:
                with self.db.engine.connect() as conn:
                    _insert_in_one_statement(conn.execution_options(isolation_level="AUTOCOMMIT"), batches)
            else:
                with self.db.write() as conn:
                    for stmt, (_, rows) in zip(_INSERTS, batches, strict=True):
                        if rows:
                            conn.execute(stmt, rows)
        except IntegrityError as exc:
            if new.idempotency_key is not None and self.find_by_key(new.client_id, new.idempotency_key):
                raise DuplicateIdempotencyKey(new.idempotency_key) from exc
            raise

    def find_by_key(self, client_id: str, key: str) -> tuple[str, str] | None:
        """(submission id, request hash) of the client's earlier request with this key."""
        with self.db.read() as conn:
            row = conn.execute(
                select(submission.c.id, submission.c.request_hash).where(
                    submission.c.client_id == client_id, submission.c.idempotency_key == key
                )
            ).first()
        return (row.id, row.request_hash) if row else None

    def get(self, submission_id: str) -> SubmissionView | None:
        with self.db.read() as conn:
            row = conn.execute(select(submission).where(submission.c.id == submission_id)).first()
            if row is None:
                return None
            rows = conn.execute(
                select(delivery)
                .where(
                    delivery.c.submission_id == submission_id,
                    delivery.c.kind == DeliveryKind.SUBMISSION.value,
                )
                .order_by(delivery.c.destination_id)
            ).all()
        sealer = self.db.sealer
        return SubmissionView(
            id=row.id,
            client_id=row.client_id,
            service=row.service,
            municipality=row.municipality,
            portal_reference=row.portal_reference,
            idempotency_key=row.idempotency_key,
            status=row.status,
            received_at=row.received_at,
            updated_at=row.updated_at,
            content_purged_at=row.content_purged_at,
            content_purge_reason=row.content_purge_reason,
            deliveries=[
                DeliveryView(
                    id=d.id,
                    destination_id=d.destination_id,
                    kind=d.kind,
                    message_id=d.message_id,
                    state=d.state,
                    attempts=d.attempts,
                    next_attempt_at=d.next_attempt_at,
                    last_error=sealer.open_text(d.last_error, contexts.last_error(d.id)),
                    last_status_code=d.last_status_code,
                    receipt=sealer.open_json(d.receipt, contexts.receipt(d.id)),
                    delivered_at=d.delivered_at,
                    dead_at=d.dead_at,
                    updated_at=d.updated_at,
                )
                for d in rows
            ],
        )

    def events(self, submission_id: str, *, after: int = 0, limit: int = 1000) -> list[EventView]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(event)
                .where(event.c.submission_id == submission_id, event.c.id > after)
                .order_by(event.c.id)
                .limit(limit)
            ).all()
        sealer = self.db.sealer
        return [
            EventView(
                r.id,
                r.kind,
                r.at,
                r.delivery_id,
                contexts.open_detail(sealer, r.submission_id, r.delivery_id, r.kind, r.detail),
            )
            for r in rows
        ]

    def envelope(self, submission_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            value = conn.execute(select(submission.c.envelope).where(submission.c.id == submission_id)).scalar()
        opened: dict[str, Any] | None = self.db.sealer.open_json(value, contexts.envelope(submission_id))
        return opened
