"""Replies to cases: the case's way back read from the store, and a reply stored with its delivery.

A reply and the delivery that returns it are written in one transaction, under the submission's
row lock, with a ``replied`` event in the case's log: a reply is stored whole or not at all. The
decision text and the documents' descriptions are sealed (:mod:`hub.store.reply_sealing`), the
delivery's payload (what is sent: the callback body, the XÖV message, the FIT-Connect reply with
the documents) like every payload. The delivery's ``kind`` is ``reply``: it changes no status of
the case and is retried, dead-lettered and replayed like any delivery.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from hub.domain.replies import ReplyDocument
from hub.domain.states import DeliveryKind, EventKind
from hub.store import sealed_columns as contexts
from hub.store.db import Database
from hub.store.events import event_row, insert_events
from hub.store.inbound import attachment_context, file_name_context
from hub.store.reply_sealing import documents_context, text_context
from hub.store.submission_status import lock_submission
from hub.store.submissions import pending_delivery_row
from hub.store.tables import api_client, delivery, inbound_attachment, inbound_message, reply, submission

FIT_CONNECT_METADATA_FILE = "fit-connect-metadata.json"


@dataclass(frozen=True)
class CaseRecord:
    """What the store knows of a case for answering it (no content but the sender's reply channel)."""

    submission_id: str
    client_id: str
    municipality: str
    portal_reference: str | None
    callback_configured: bool
    content_purged: bool
    source_id: str | None = None
    sender: str | None = None
    message_uuid: str | None = None
    header: dict[str, Any] | None = None
    fit_connect_metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewReply:
    id: str
    submission_id: str
    client_id: str
    channel: str
    status: str
    text: str | None
    documents: tuple[ReplyDocument, ...]
    actor: str
    idempotency_key: str | None
    request_hash: str
    created_at: datetime
    delivery_id: str
    destination_id: str
    message_id: str
    media_type: str
    headers: dict[str, str]
    payload: bytes


@dataclass(frozen=True)
class StoredReply:
    id: str
    submission_id: str
    channel: str
    status: str
    text: str | None
    documents: list[dict[str, Any]]
    actor: str
    created_at: datetime
    request_hash: str
    delivery_id: str | None
    destination_id: str | None = None
    delivery_state: str | None = None
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None


class ReplyRepeated(Exception):
    """A reply with this idempotency key is stored already (``existing``)."""

    def __init__(self, existing: StoredReply) -> None:
        super().__init__(existing.id)
        self.existing = existing


class CaseGone(Exception):
    """The case's content was purged (or the case removed) while the reply was being stored."""


class ReplyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def case(self, submission_id: str) -> CaseRecord | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(
                    submission.c.client_id,
                    submission.c.municipality,
                    submission.c.portal_reference,
                    submission.c.content_purged_at,
                    api_client.c.callback_url,
                    api_client.c.callback_secret,
                )
                .join(api_client, api_client.c.id == submission.c.client_id)
                .where(submission.c.id == submission_id)
            ).first()
            if row is None:
                return None
            received = conn.execute(
                select(
                    inbound_message.c.id,
                    inbound_message.c.source_id,
                    inbound_message.c.sender,
                    inbound_message.c.message_uuid,
                    inbound_message.c.header,
                ).where(inbound_message.c.submission_id == submission_id)
            ).first()
            metadata = self._fit_connect_metadata(conn, received.id) if received is not None else None
        base = CaseRecord(
            submission_id=submission_id,
            client_id=row.client_id,
            municipality=row.municipality,
            portal_reference=row.portal_reference,
            callback_configured=bool(row.callback_url and row.callback_secret),
            content_purged=row.content_purged_at is not None,
        )
        if received is None:
            return base
        return replace(
            base,
            source_id=received.source_id,
            sender=received.sender,
            message_uuid=received.message_uuid,
            header=dict(received.header or {}),
            fit_connect_metadata=metadata,
        )

    def _fit_connect_metadata(self, conn: Connection, message_id: str) -> dict[str, Any] | None:
        """The decrypted FIT-Connect metadata the subscriber stored as the message's first attachment."""
        first = conn.execute(
            select(inbound_attachment.c.position, inbound_attachment.c.file_name, inbound_attachment.c.content)
            .where(inbound_attachment.c.message_id == message_id)
            .order_by(inbound_attachment.c.position)
            .limit(1)
        ).first()
        if first is None:
            return None
        sealer = self.db.sealer
        name = sealer.open_text(first.file_name, file_name_context(message_id, first.position))
        if name != FIT_CONNECT_METADATA_FILE:
            return None
        try:
            parsed = orjson.loads(sealer.open(first.content, attachment_context(message_id, first.position)))
        except orjson.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def by_key(self, submission_id: str, idempotency_key: str) -> StoredReply | None:
        with self.db.read() as conn:
            row = conn.execute(
                _SELECT.where(reply.c.submission_id == submission_id, reply.c.idempotency_key == idempotency_key)
            ).first()
        return self._stored(row) if row is not None else None

    def record(self, new: NewReply) -> StoredReply:
        """The reply, its delivery and its event in one transaction; :class:`ReplyRepeated` for a
        key stored meanwhile, :class:`CaseGone` when the case's content went first."""
        try:
            with self.db.write() as conn:
                lock_submission(conn, new.submission_id)
                purged = conn.execute(
                    select(submission.c.content_purged_at).where(submission.c.id == new.submission_id)
                ).scalar()
                if purged is not None:
                    raise CaseGone(new.submission_id)
                conn.execute(insert(delivery).values(**_delivery_row(new, self.db)))
                conn.execute(insert(reply).values(**_reply_row(new, self.db)))
                detail = {
                    "replyId": new.id,
                    "channel": new.channel,
                    "status": new.status,
                    "by": new.actor,
                    "destination": new.destination_id,
                }
                replied = event_row(
                    new.submission_id, new.delivery_id, EventKind.REPLIED, new.created_at, detail, self.db.sealer
                )
                insert_events(conn, [replied])
        except IntegrityError:
            if new.idempotency_key is None:
                raise
            existing = self.by_key(new.submission_id, new.idempotency_key)
            if existing is None:
                raise
            raise ReplyRepeated(existing) from None
        found = self.get(new.id)
        assert found is not None
        return found

    def get(self, reply_id: str) -> StoredReply | None:
        with self.db.read() as conn:
            row = conn.execute(_SELECT.where(reply.c.id == reply_id)).first()
        return self._stored(row) if row is not None else None

    def of_case(self, submission_id: str) -> list[StoredReply]:
        with self.db.read() as conn:
            rows = conn.execute(
                _SELECT.where(reply.c.submission_id == submission_id).order_by(reply.c.created_at, reply.c.id)
            ).all()
        return [self._stored(r) for r in rows]

    def _stored(self, row: Any) -> StoredReply:
        sealer = self.db.sealer
        documents = sealer.open_json(row.documents, documents_context(row.id)) if row.documents is not None else []
        last_error = (
            sealer.open_text(row.last_error, contexts.last_error(row.delivery_id))
            if row.last_error is not None
            else None
        )
        return StoredReply(
            id=row.id,
            submission_id=row.submission_id,
            channel=row.channel,
            status=row.status,
            text=sealer.open_text(row.text, text_context(row.id)),
            documents=list(documents or []),
            actor=row.actor,
            created_at=row.created_at,
            request_hash=row.request_hash,
            delivery_id=row.delivery_id,
            destination_id=row.destination_id,
            delivery_state=row.state,
            attempts=int(row.attempts or 0),
            delivered_at=row.delivered_at,
            last_error=last_error,
        )


_SELECT = select(
    reply,
    delivery.c.destination_id,
    delivery.c.state,
    delivery.c.attempts,
    delivery.c.delivered_at,
    delivery.c.last_error,
).outerjoin(delivery, delivery.c.id == reply.c.delivery_id)


def _reply_row(new: NewReply, db: Database) -> dict[str, Any]:
    sealer = db.sealer
    return {
        "id": new.id,
        "submission_id": new.submission_id,
        "channel": new.channel,
        "status": new.status,
        "text": sealer.seal_text(new.text, text_context(new.id)),
        "documents": sealer.seal_json([d.describe() for d in new.documents], documents_context(new.id)),
        "delivery_id": new.delivery_id,
        "actor": new.actor,
        "idempotency_key": new.idempotency_key,
        "request_hash": new.request_hash,
        "created_at": new.created_at,
    }


def _delivery_row(new: NewReply, db: Database) -> dict[str, Any]:
    return pending_delivery_row(
        delivery_id=new.delivery_id,
        submission_id=new.submission_id,
        client_id=new.client_id,
        destination_id=new.destination_id,
        kind=DeliveryKind.REPLY,
        message_id=new.message_id,
        media_type=new.media_type,
        headers=new.headers,
        body=new.payload,
        now=new.created_at,
        sealer=db.sealer,
    )
