"""Received cases as submissions, and the quarantine's operator actions: release, discard, counts.

A case is delivered by the machinery every submission uses: its submission row (service
``inbound:<source>``), the deliveries carrying the received message as their payload, and the first
events are written in the transaction that stores (or releases) the inbound message. Such
submissions belong to one disabled API client, :data:`INBOUND_CLIENT_ID`, with no key and no
callback: no portal sees them, and no status callback is queued for them. That client's row is
written on first use, in the same transaction, so a fresh (or truncated) database needs no seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from hub.domain.clock import utcnow
from hub.domain.inbound import InboundCount, InboundState
from hub.store.db import Database
from hub.store.submissions import NewSubmission, insert_submission
from hub.store.tables import api_client, inbound_message

INBOUND_CLIENT_ID = "inbound-mailroom"
"""The API client the submissions of received cases belong to (disabled: nobody authenticates as it)."""
INBOUND_SERVICE_PREFIX = "inbound:"


def inbound_service(source_id: str) -> str:
    """The submission's ``service`` for a case received from ``source_id``."""
    return f"{INBOUND_SERVICE_PREFIX}{source_id}"[:64]


class NotInQuarantine(Exception):
    """The message is not (any longer) in quarantine: another operator released or discarded it."""


class DuplicateCase(Exception):
    """A case with the same XÖV ``nachrichtenUUID`` is stored already (its inbound message id)."""

    def __init__(self, message_id: str | None) -> None:
        super().__init__(message_id or "?")
        self.message_id = message_id


def ensure_inbound_client(conn: Connection, postgres: bool) -> None:
    """The inbound mailroom's API client row, written once (a race of two processes writes one)."""
    if conn.execute(select(api_client.c.id).where(api_client.c.id == INBOUND_CLIENT_ID)).first() is not None:
        return
    values: dict[str, Any] = {
        "id": INBOUND_CLIENT_ID,
        "name": "(inbound mailroom)",
        "key_prefix": "-inbound-",  # no key the hub issues has this shape
        "key_hash": "-",  # never a SHA-256 hex digest: no key matches
        "municipalities": [],
        "services": None,
        "roles": [],
        "callback_url": None,
        "callback_secret": None,
        "created_at": utcnow(),
        "disabled": True,
    }
    statement = (postgres_insert if postgres else sqlite_insert)(api_client).values(**values)
    conn.execute(statement.on_conflict_do_nothing())


def insert_case_submission(conn: Connection, db: Database, new: NewSubmission) -> None:
    ensure_inbound_client(conn, db.is_postgres)
    insert_submission(conn, new, db.sealer)


def case_writer(db: Database, new: NewSubmission) -> Callable[[Connection], None]:
    """What :meth:`hub.store.inbound.InboundStore.record` runs in its transaction to store a case's submission."""
    return lambda conn: insert_case_submission(conn, db, new)


class InboundCases:
    """The quarantine's operator actions and the counts for the metrics."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def release(
        self,
        message_id: str,
        *,
        message_uuid: str,
        standard: str,
        message_type: str,
        destinations: list[str],
        submission: NewSubmission,
    ) -> None:
        """The quarantined message becomes a case, with its submission and deliveries, in one transaction."""
        m = inbound_message.c
        try:
            with self.db.write() as conn:
                changed = conn.execute(
                    update(inbound_message)
                    .where(m.id == message_id, m.state == InboundState.QUARANTINED.value)
                    .values(
                        state=InboundState.RECEIVED.value,
                        reason=None,
                        detail=None,
                        message_uuid=message_uuid,
                        standard=standard,
                        message_type=message_type,
                        destinations=destinations,
                        submission_id=submission.id,
                    )
                ).rowcount
                if not changed:
                    raise NotInQuarantine(message_id)
                insert_case_submission(conn, self.db, submission)
        except IntegrityError as exc:
            with self.db.read() as conn:
                other = conn.execute(select(m.id).where(m.message_uuid == message_uuid)).scalar()
            if other is None:
                raise
            raise DuplicateCase(other) from exc

    def requarantine(self, message_id: str, reason: str, detail: str | None) -> None:
        """A release that failed again: the quarantine shows the reason as the current config sees it."""
        m = inbound_message.c
        with self.db.write() as conn:
            conn.execute(
                update(inbound_message)
                .where(m.id == message_id, m.state == InboundState.QUARANTINED.value)
                .values(reason=reason, detail=detail)
            )

    def discard(self, message_id: str) -> None:
        m = inbound_message.c
        with self.db.write() as conn:
            changed = conn.execute(
                update(inbound_message)
                .where(m.id == message_id, m.state == InboundState.QUARANTINED.value)
                .values(state=InboundState.DISCARDED.value)
            ).rowcount
        if not changed:
            raise NotInQuarantine(message_id)

    def counts(self) -> list[InboundCount]:
        """Messages by (source, state, reason): every message ever received is one of them."""
        m = inbound_message.c
        query = select(m.source_id, m.state, m.reason, func.count()).group_by(m.source_id, m.state, m.reason)
        with self.db.read() as conn:
            return [InboundCount(r[0], r[1], r[2], int(r[3])) for r in conn.execute(query)]


__all__ = [
    "INBOUND_CLIENT_ID",
    "DuplicateCase",
    "InboundCases",
    "InboundCount",
    "NotInQuarantine",
    "case_writer",
    "ensure_inbound_client",
    "inbound_service",
    "insert_case_submission",
]
