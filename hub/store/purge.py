"""Removing personal content and, later, whole records: what the retention rules and erasure decide.

The store is handed the decision (which submissions, for which reason) and carries it out, each
submission in its own transaction under the submission's row lock, so a purge interrupted by a
crash leaves every submission either untouched or purged, never half. What goes with the content:
the envelope (applicant, form), the attachments' contents and file names, every delivery's mapped
message, receipt and last error, and the members of event details that could quote any of them
(:func:`hub.domain.retention.content_free`). What stays until the record goes: ids, service,
municipality, states, timestamps, event kinds, hashes and sizes.

A submission is a candidate only when every delivery of it, status callbacks included, is final,
and none awaits a receiver's later acceptance (its receipt is what the outcome poller asks with).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, exists, not_, select, update

from hub.domain.acceptance import awaits_decision
from hub.domain.clock import utcnow
from hub.domain.retention import RetentionRules, content_free
from hub.domain.states import DeliveryState, EventKind, SubmissionStatus
from hub.sealing import Sealer
from hub.store import sealed_columns as contexts
from hub.store.db import Database
from hub.store.events import event_row, insert_events
from hub.store.submission_status import lock_submission, update_status
from hub.store.tables import attachment, delivery, event, inbound_attachment, inbound_message, reply, submission

FINAL = (DeliveryState.DELIVERED.value, DeliveryState.DEAD.value)
PURGED_FILE_NAME = "(purged)"


@dataclass(frozen=True)
class Candidate:
    id: str
    service: str
    status: SubmissionStatus
    finished_at: datetime


class NotFound(LookupError):
    """No submission with that id."""


class PurgeStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def content_candidates(self, rules: RetentionRules, now: datetime, *, limit: int = 500) -> list[Candidate]:
        """Finished submissions with content whose shortest retention is over; the rules pick among them."""
        shortest = min(p.shortest for p in rules.policies())
        unfinished = exists().where(delivery.c.submission_id == submission.c.id, delivery.c.state.not_in(FINAL))
        query = (
            select(submission.c.id, submission.c.service, submission.c.status, submission.c.updated_at)
            .where(
                submission.c.content_purged_at.is_(None),
                submission.c.status.in_([SubmissionStatus.DELIVERED.value, SubmissionStatus.FAILED.value]),
                submission.c.updated_at <= now - shortest,
                not_(unfinished),
            )
            .order_by(submission.c.updated_at)
            .limit(limit)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        found = [Candidate(r.id, r.service, SubmissionStatus(r.status), r.updated_at) for r in rows]
        return [c for c in found if rules.content_due(c.service, c.status, c.finished_at, now)]

    def record_candidates(self, rules: RetentionRules, now: datetime, *, limit: int = 500) -> list[tuple[str, str]]:
        """(id, service) of purged submissions whose metadata period may be over."""
        shortest = min(p.metadata for p in rules.policies())
        query = (
            select(submission.c.id, submission.c.service, submission.c.content_purged_at)
            .where(submission.c.content_purged_at.is_not(None), submission.c.content_purged_at <= now - shortest)
            .order_by(submission.c.content_purged_at)
            .limit(limit)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [(r.id, r.service) for r in rows if rules.record_due(r.service, r.content_purged_at, now)]

    def purge_content(self, submission_id: str, reason: str, *, by: str, now: datetime | None = None) -> bool:
        """Remove the submission's content; False when it was gone already or must wait (pending acceptance)."""
        now = now or utcnow()
        with self.db.write() as conn:
            lock_submission(conn, submission_id)
            if not self._purgeable(conn, submission_id, require_final=reason != "erasure"):
                return False
            _remove_content(conn, submission_id, reason, now)
            detail = {"reason": reason, "by": by}
            insert_events(conn, [event_row(submission_id, None, EventKind.PURGED, now, detail, self.db.sealer)])
        return True

    def erase(
        self,
        submission_id: str,
        *,
        by: str,
        scope: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> list[str] | None:
        """Cancel what is not delivered yet and remove the content at once; the cancelled delivery ids.

        None when the content was already gone. An in-flight delivery is cancelled too: its settle
        finds it no longer in flight and changes nothing (:mod:`hub.store.settlement`).
        """
        now = now or utcnow()
        with self.db.write() as conn:
            try:
                head = lock_submission(conn, submission_id)
            except Exception as exc:  # NoResultFound: no such submission
                raise NotFound(submission_id) from exc
            row = conn.execute(
                select(submission.c.content_purged_at, submission.c.municipality).where(
                    submission.c.id == submission_id
                )
            ).one()
            if scope is not None and row.municipality not in scope:
                raise NotFound(submission_id)  # another municipality's submission: not even its existence
            if row.content_purged_at is not None:
                return None
            cancelled = _cancel_open(conn, submission_id, now, self.db.sealer)
            if cancelled:
                update_status(conn, head, now)
            _remove_content(conn, submission_id, "erasure", now)
            detail = {"reason": "erasure", "by": by}
            insert_events(conn, [event_row(submission_id, None, EventKind.PURGED, now, detail, self.db.sealer)])
        return cancelled

    def delete_record(self, submission_id: str) -> bool:
        """The whole record, once its metadata period is over (only after its content went)."""
        with self.db.write() as conn:
            still = conn.execute(
                select(submission.c.id)
                .where(submission.c.id == submission_id, submission.c.content_purged_at.is_not(None))
                .with_for_update()
            ).first()
            if still is None:
                return False
            _delete_received(conn, submission_id)
            conn.execute(delete(reply).where(reply.c.submission_id == submission_id))
            conn.execute(delete(event).where(event.c.submission_id == submission_id))
            conn.execute(delete(attachment).where(attachment.c.submission_id == submission_id))
            conn.execute(delete(delivery).where(delivery.c.submission_id == submission_id))
            conn.execute(delete(submission).where(submission.c.id == submission_id))
        return True

    def purged_dead_letters(self, delivery_ids: list[str]) -> dict[str, str]:
        """Of these dead deliveries, those whose submission's content is gone: id -> purge reason."""
        if not delivery_ids:
            return {}
        query = (
            select(delivery.c.id, submission.c.content_purge_reason, submission.c.content_purged_at)
            .join(submission, submission.c.id == delivery.c.submission_id)
            .where(delivery.c.id.in_(delivery_ids), submission.c.content_purged_at.is_not(None))
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return {r.id: f"{r.content_purge_reason} on {r.content_purged_at:%Y-%m-%d %H:%M} UTC" for r in rows}

    def _purgeable(self, conn: Connection, submission_id: str, *, require_final: bool) -> bool:
        row = conn.execute(select(submission.c.content_purged_at).where(submission.c.id == submission_id)).one()
        if row.content_purged_at is not None:
            return False
        states = conn.execute(
            select(delivery.c.id, delivery.c.state, delivery.c.receipt).where(delivery.c.submission_id == submission_id)
        ).all()
        if require_final and any(s.state not in FINAL for s in states):
            return False
        sealer = self.db.sealer
        receipts = (sealer.open_json(s.receipt, contexts.receipt(s.id)) for s in states if s.receipt is not None)
        return not any(awaits_decision(r) for r in receipts)


def _cancel_open(conn: Connection, submission_id: str, now: datetime, sealer: Sealer) -> list[str]:
    open_ids = list(
        conn.execute(
            select(delivery.c.id).where(delivery.c.submission_id == submission_id, delivery.c.state.not_in(FINAL))
        ).scalars()
    )
    if not open_ids:
        return []
    conn.execute(
        update(delivery)
        .where(delivery.c.id.in_(open_ids))
        .values(
            state=DeliveryState.DEAD.value,
            dead_at=now,
            updated_at=now,
            next_attempt_at=None,
            lease_owner=None,
            lease_expires_at=None,
            last_error_kind="cancelled",
        )
    )
    insert_events(
        conn,
        [event_row(submission_id, d, EventKind.CANCELLED, now, {"reason": "erasure"}, sealer) for d in open_ids],
    )
    return open_ids


def _remove_content(conn: Connection, submission_id: str, reason: str, now: datetime) -> None:
    conn.execute(
        update(submission)
        .where(submission.c.id == submission_id)
        .values(envelope=None, content_purged_at=now, content_purge_reason=reason)
    )
    conn.execute(
        update(attachment)
        .where(attachment.c.submission_id == submission_id)
        .values(content=None, file_name=PURGED_FILE_NAME)
    )
    conn.execute(
        update(delivery)
        .where(delivery.c.submission_id == submission_id)
        # last_error_kind stays: a classification by the hub, what the dead letters' filter reads
        .values(payload=None, receipt=None, last_error=None, headers={})
    )
    # Sealed members are dropped as they are stored: their names are plain, their values not needed.
    for row in _events_with_content(conn, submission_id):
        conn.execute(update(event).where(event.c.id == row[0]).values(detail=content_free(row[1])))
    _remove_received_content(conn, submission_id)
    # A reply's decision text and documents go with the case (its delivery's payload went above).
    conn.execute(update(reply).where(reply.c.submission_id == submission_id).values(text=None, documents=None))


def _received_by(submission_id: str) -> Select[tuple[str]]:
    """The mailroom's received message a case (a submission of the inbound client) was made from."""
    return select(inbound_message.c.id).where(inbound_message.c.submission_id == submission_id)


def _remove_received_content(conn: Connection, submission_id: str) -> None:
    # The received message goes with its case: the message itself and its attachments' bytes and
    # names (copies of them are the case's own attachments, purged above); ids, hashes and sizes
    # stay on the row, so a late re-delivery by the platform is still recognised.
    conn.execute(delete(inbound_attachment).where(inbound_attachment.c.message_id.in_(_received_by(submission_id))))
    conn.execute(update(inbound_message).where(inbound_message.c.submission_id == submission_id).values(content=None))


def _delete_received(conn: Connection, submission_id: str) -> None:
    conn.execute(delete(inbound_attachment).where(inbound_attachment.c.message_id.in_(_received_by(submission_id))))
    conn.execute(delete(inbound_message).where(inbound_message.c.submission_id == submission_id))


def _events_with_content(conn: Connection, submission_id: str) -> Iterator[tuple[int, dict[str, Any]]]:
    rows = conn.execute(select(event.c.id, event.c.detail).where(event.c.submission_id == submission_id)).all()
    for r in rows:
        detail = dict(r.detail or {})
        if content_free(detail) != detail:
            yield r.id, detail


__all__ = ["Candidate", "NotFound", "PurgeStore"]
