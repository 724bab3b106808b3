"""The mailroom's reads for the operator console: received messages without their content.

:class:`hub.store.inbound.InboundStore` opens a message's sealed content on every ``get`` (the CLI's
``show --content`` needs it); the console shows no content at all, so these reads never select the
sealed columns (message, attachments, file names) and filter by the operator's municipalities in
the query, not after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hub.store.db import Database
from hub.store.tables import inbound_attachment, inbound_message


@dataclass(frozen=True, slots=True)
class MailroomRow:
    id: str
    source_id: str
    municipality: str
    state: str
    reason: str | None
    standard: str | None
    message_type: str | None
    size: int
    received_at: datetime
    submission_id: str | None


@dataclass(frozen=True, slots=True)
class PartFacts:
    """An attachment as the console shows it: no file name (sealed, it may name a person), no content."""

    position: int
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class MailroomMessage:
    row: MailroomRow
    external_id: str
    detail: str | None
    message_uuid: str | None
    sender: str | None
    reader: str
    header: dict[str, Any]
    destinations: list[str]
    media_type: str | None
    sha256: str | None
    closed_at: datetime | None
    attachments: list[PartFacts] = field(default_factory=list)


_m = inbound_message.c
_ROW = (_m.id, _m.source_id, _m.municipality, _m.state, _m.reason, _m.standard, _m.message_type, _m.size,
        _m.received_at, _m.submission_id)  # fmt: skip


class InboundViews:
    def __init__(self, db: Database) -> None:
        self.db = db

    def messages(
        self,
        *,
        municipalities: Sequence[str] | None,
        source_id: str | None = None,
        state: str | None = None,
        municipality: str | None = None,
        limit: int = 200,
    ) -> list[MailroomRow]:
        """Newest first; ``municipalities``: the reader's scope (None: all of them)."""
        query = select(*_ROW).order_by(_m.received_at.desc(), _m.id).limit(limit)
        if municipalities is not None:
            query = query.where(_m.municipality.in_(list(municipalities)))
        if source_id is not None:
            query = query.where(_m.source_id == source_id)
        if state is not None:
            query = query.where(_m.state == state)
        if municipality is not None:
            query = query.where(_m.municipality == municipality)
        with self.db.read() as conn:
            return [MailroomRow(*row[: len(_ROW)]) for row in conn.execute(query)]

    def message(self, message_id: str) -> MailroomMessage | None:
        extra = (_m.external_id, _m.detail, _m.message_uuid, _m.sender, _m.reader, _m.header, _m.destinations,
                 _m.media_type, _m.sha256, _m.closed_at)  # fmt: skip
        a = inbound_attachment.c
        with self.db.read() as conn:
            row = conn.execute(select(*_ROW, *extra).where(_m.id == message_id)).first()
            if row is None:
                return None
            parts = conn.execute(
                select(a.position, a.media_type, a.sha256, a.size)
                .where(a.message_id == message_id)
                .order_by(a.position)
            ).all()
        return MailroomMessage(
            MailroomRow(*row[: len(_ROW)]),
            row.external_id,
            row.detail,
            row.message_uuid,
            row.sender,
            row.reader,
            dict(row.header),
            list(row.destinations),
            row.media_type,
            row.sha256,
            row.closed_at,
            [PartFacts(*p) for p in parts],
        )
