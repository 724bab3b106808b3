"""Received messages (cases and quarantine) and their attachments: stored once, in one transaction.

:meth:`InboundStore.record` writes the message, every attachment and their SHA-256 hashes in a
single transaction, or recognises the message as stored already: the same (source, platform
message id), or a case with the same XÖV ``nachrichtenUUID``. The check runs again inside the
transaction and the unique constraints decide a race between two processes, so a message is
stored once however often it is fetched.

The content is personal data: the message, the attachments and their file names are sealed
(:mod:`hub.sealing`, ``db.sealer``) under contexts naming table, column and row, like a
submission's; :mod:`hub.store.sealed_columns` lists them for ``hub keys rotate|status``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.domain.clock import utcnow
from hub.store.db import Database
from hub.store.tables import inbound_attachment, inbound_message


def content_context(message_id: str) -> str:
    return f"inbound_message.content/{message_id}"


def attachment_context(message_id: str, position: int) -> str:
    return f"inbound_attachment.content/{message_id}#{position}"


def file_name_context(message_id: str, position: int) -> str:
    return f"inbound_attachment.file_name/{message_id}#{position}"


@dataclass(frozen=True, slots=True)
class NewInboundPart:
    data: bytes
    media_type: str
    sha256: str
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class NewInbound:
    """A received message and the verdict on it, ready to be stored."""

    source_id: str
    external_id: str
    municipality: str
    state: str
    reader: str
    header: dict[str, Any]
    size: int
    destinations: list[str]
    sender: str | None = None
    reason: str | None = None
    detail: str | None = None
    message_uuid: str | None = None
    """Set only for a case: a quarantined message does not hold its uuid against a fixed resend."""
    header_uuid: str | None = None
    """The nachrichtenUUID the message carries, case or not (checked against the cases)."""
    standard: str | None = None
    message_type: str | None = None
    message: NewInboundPart | None = None
    attachments: Sequence[NewInboundPart] = ()
    id: str | None = None
    """The row's id, when the caller needs it beforehand (a case's submission names it); else a new one."""
    submission_id: str | None = None
    """A case's submission (with its deliveries), written by ``record``'s ``within`` in the same transaction."""


@dataclass(frozen=True, slots=True)
class Recorded:
    id: str
    created: bool
    state: str


@dataclass(frozen=True, slots=True)
class InboundSummary:
    id: str
    source_id: str
    external_id: str
    municipality: str
    state: str
    reason: str | None
    standard: str | None
    message_type: str | None
    size: int
    received_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class InboundPart:
    position: int
    file_name: str | None
    media_type: str
    sha256: str
    size: int
    data: bytes


@dataclass(frozen=True, slots=True)
class InboundDetail:
    summary: InboundSummary
    detail: str | None
    message_uuid: str | None
    sender: str | None
    reader: str
    header: dict[str, Any]
    destinations: list[str]
    media_type: str | None
    sha256: str | None
    content: bytes | None
    attachments: list[InboundPart] = field(default_factory=list)
    submission_id: str | None = None
    """The submission (and so the deliveries) made for the case; None in quarantine."""


_SUMMARY = (
    inbound_message.c.id,
    inbound_message.c.source_id,
    inbound_message.c.external_id,
    inbound_message.c.municipality,
    inbound_message.c.state,
    inbound_message.c.reason,
    inbound_message.c.standard,
    inbound_message.c.message_type,
    inbound_message.c.size,
    inbound_message.c.received_at,
    inbound_message.c.closed_at,
)


class InboundStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def known(self, source_id: str, external_id: str, message_uuid: str | None = None) -> Recorded | None:
        """The stored message this one is (same platform id at this source, or a case's uuid), or None."""
        with self.db.read() as conn:
            return _known(conn, source_id, external_id, message_uuid)

    def record(
        self, new: NewInbound, *, now: datetime | None = None, within: Callable[[Connection], None] | None = None
    ) -> Recorded:
        """Store the message with its attachments in one transaction, unless it is stored already.

        ``within`` writes more in that transaction (a case's submission: :mod:`hub.store.inbound_cases`).
        """
        message_id = new.id or str(uuid.uuid4())
        try:
            with self.db.write() as conn:
                found = _known(conn, new.source_id, new.external_id, new.header_uuid)
                if found is not None:
                    return found
                conn.execute(insert(inbound_message).values(**self._row(message_id, new, now or utcnow())))
                if new.attachments:
                    conn.execute(insert(inbound_attachment), self._parts(message_id, new.attachments))
                if within is not None:
                    within(conn)
        except IntegrityError:
            # Another process stored it between our check and our insert: its row is the one.
            found = self.known(new.source_id, new.external_id, new.header_uuid)
            if found is None:
                raise
            return found
        return Recorded(message_id, True, new.state)

    def mark_closed(self, message_id: str, *, now: datetime | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(inbound_message)
                .where(inbound_message.c.id == message_id, inbound_message.c.closed_at.is_(None))
                .values(closed_at=now or utcnow())
            )

    def recent(
        self,
        *,
        state: str | None = None,
        source_id: str | None = None,
        municipality: str | None = None,
        limit: int = 50,
    ) -> list[InboundSummary]:
        query = select(*_SUMMARY).order_by(inbound_message.c.received_at.desc()).limit(limit)
        if state is not None:
            query = query.where(inbound_message.c.state == state)
        if source_id is not None:
            query = query.where(inbound_message.c.source_id == source_id)
        if municipality is not None:
            query = query.where(inbound_message.c.municipality == municipality)
        with self.db.read() as conn:
            return [InboundSummary(*row) for row in conn.execute(query)]

    def get(self, message_id: str) -> InboundDetail | None:
        """One message with its content opened (personal data: callers audit who reads it)."""
        m = inbound_message.c
        extra = (m.detail, m.message_uuid, m.sender, m.reader, m.header, m.destinations, m.media_type, m.sha256,
                 m.submission_id)  # fmt: skip
        with self.db.read() as conn:
            row = conn.execute(select(*_SUMMARY, *extra, m.content).where(m.id == message_id)).first()
            if row is None:
                return None
            a = inbound_attachment.c
            parts = conn.execute(
                select(a.position, a.file_name, a.media_type, a.sha256, a.size, a.content)
                .where(a.message_id == message_id)
                .order_by(a.position)
            ).all()
        sealer = self.db.sealer
        summary = InboundSummary(*row[: len(_SUMMARY)])
        return InboundDetail(
            summary,
            row.detail,
            row.message_uuid,
            row.sender,
            row.reader,
            dict(row.header),
            list(row.destinations),
            row.media_type,
            row.sha256,
            sealer.open_bytes(row.content, content_context(message_id)),
            [
                InboundPart(
                    p.position,
                    sealer.open_text(p.file_name, file_name_context(message_id, p.position)),
                    p.media_type,
                    p.sha256,
                    p.size,
                    sealer.open(p.content, attachment_context(message_id, p.position)),
                )
                for p in parts
            ],
            row.submission_id,
        )

    def _row(self, message_id: str, new: NewInbound, now: datetime) -> dict[str, Any]:
        message = new.message
        return {
            "id": message_id,
            "source_id": new.source_id,
            "external_id": new.external_id,
            "municipality": new.municipality,
            "state": new.state,
            "reason": new.reason,
            "detail": new.detail,
            "message_uuid": new.message_uuid,
            "standard": new.standard,
            "message_type": new.message_type,
            "sender": new.sender,
            "reader": new.reader,
            "header": new.header,
            "media_type": message.media_type if message else None,
            "size": new.size,
            "sha256": message.sha256 if message else None,
            "content": self.db.sealer.seal(message.data, content_context(message_id)) if message else None,
            "destinations": new.destinations,
            "received_at": now,
            "submission_id": new.submission_id,
        }

    def _parts(self, message_id: str, parts: Sequence[NewInboundPart]) -> list[dict[str, Any]]:
        sealer = self.db.sealer
        return [
            {
                "message_id": message_id,
                "position": position,
                "file_name": sealer.seal_text(part.file_name, file_name_context(message_id, position)),
                "media_type": part.media_type,
                "sha256": part.sha256,
                "size": len(part.data),
                "content": sealer.seal(part.data, attachment_context(message_id, position)),
            }
            for position, part in enumerate(parts)
        ]


def _known(conn: Connection, source_id: str, external_id: str, message_uuid: str | None) -> Recorded | None:
    m = inbound_message.c
    same = (m.source_id == source_id) & (m.external_id == external_id)
    condition = or_(same, m.message_uuid == message_uuid) if message_uuid else same
    row = conn.execute(select(m.id, m.state).where(condition).limit(1)).first()
    return Recorded(row.id, False, row.state) if row is not None else None
