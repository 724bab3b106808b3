"""Submissions: written with their deliveries and first events in one transaction; read for status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.exc import IntegrityError

from hub.domain.message import OutboundMessage
from hub.domain.states import DeliveryKind, DeliveryState, EventKind, SubmissionStatus
from hub.store.db import Database
from hub.store.one_statement import insert_all
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


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    at: datetime
    delivery_id: str | None
    detail: dict[str, Any]


# Built once: a statement object reused across calls keeps SQLAlchemy's compiled-cache key
# computation off the intake's hot path.
INSERT_SUBMISSION = insert(submission)
INSERT_ATTACHMENT = insert(attachment)
INSERT_DELIVERY = insert(delivery)
INSERT_EVENT = insert(event)


_INSERTS = (INSERT_SUBMISSION, INSERT_ATTACHMENT, INSERT_DELIVERY, INSERT_EVENT)


def _rows(new: NewSubmission) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The rows of a new submission, in insert order (parents before children)."""
    now = new.received_at
    submission_row = {
        "id": new.id,
        "client_id": new.client_id,
        "service": new.service,
        "municipality": new.municipality,
        "portal_reference": new.portal_reference,
        "idempotency_key": new.idempotency_key,
        "request_hash": new.request_hash,
        "status": SubmissionStatus.ACCEPTED.value,
        "delivery_count": len(new.deliveries),
        "envelope": new.envelope,
        "received_at": now,
        "updated_at": now,
    }
    attachment_rows = [
        {
            "submission_id": new.id,
            "position": i,
            "file_name": a.file_name,
            "media_type": a.media_type,
            "sha256": a.sha256,
            "size": len(a.content),
            "content": a.content,
        }
        for i, a in enumerate(new.attachments)
    ]
    delivery_rows = [
        {
            "id": d.id,
            "submission_id": new.id,
            "client_id": new.client_id,
            "destination_id": d.destination_id,
            "kind": DeliveryKind.SUBMISSION.value,
            "message_id": d.message.message_id,
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "queued_at": now,
            "next_attempt_at": now,
            "enqueued_at": now,
            "updated_at": now,
            "media_type": d.message.media_type,
            "headers": d.message.headers,
            "payload": d.message.body,
        }
        for d in new.deliveries
    ]
    received = {
        "submission_id": new.id,
        "delivery_id": None,
        "kind": EventKind.RECEIVED.value,
        "at": now,
        "detail": {
            "service": new.service,
            "municipality": new.municipality,
            "attachments": len(new.attachments),
            "idempotencyKey": new.idempotency_key,
        },
    }
    routed = [
        {
            "submission_id": new.id,
            "delivery_id": d.id,
            "kind": EventKind.ROUTED.value,
            "at": now,
            "detail": {"destination": d.destination_id, "messageId": d.message.message_id},
        }
        for d in new.deliveries
    ]
    return [
        (submission, [submission_row]),
        (attachment, attachment_rows),
        (delivery, delivery_rows),
        (event, [received, *routed]),
    ]


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(INSERT_EVENT, rows)


class SubmissionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, new: NewSubmission) -> None:
        """Store the submission, its attachments, deliveries and first events atomically."""
        batches = _rows(new)
        try:
            if self.db.is_postgres:
                with self.db.engine.connect() as conn:
                    insert_all(conn.execution_options(isolation_level="AUTOCOMMIT"), batches)
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
            deliveries=[
                DeliveryView(
                    id=d.id,
                    destination_id=d.destination_id,
                    kind=d.kind,
                    message_id=d.message_id,
                    state=d.state,
                    attempts=d.attempts,
                    next_attempt_at=d.next_attempt_at,
                    last_error=d.last_error,
                    last_status_code=d.last_status_code,
                    receipt=d.receipt,
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
        return [EventView(r.id, r.kind, r.at, r.delivery_id, r.detail) for r in rows]

    def envelope(self, submission_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            value = conn.execute(select(submission.c.envelope).where(submission.c.id == submission_id)).scalar()
        return value
