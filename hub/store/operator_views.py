"""Read models of the operators' views: the backlog and last hour per destination, the deliveries,
dead letters, search, mapped messages.

The API's operator endpoints, the console, the CLI and the metrics read here (through
:mod:`hub.service.queries`). Every query of submissions' data takes the operator's municipality
scope (None: all) so that tenancy is enforced where the rows are read, not only where they are
shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select

from hub.domain.clock import utcnow
from hub.domain.states import DeliveryKind, DeliveryState, EventKind
from hub.store import sealed_columns as contexts
from hub.store.db import Database
from hub.store.tables import delivery, event, submission

S = DeliveryState
ERROR_KINDS = ("refused", "exhausted")
"""The dead letters' filter: ``exhausted`` is ``delivery.last_error_kind`` (plain, the last error
itself is sealed); ``refused`` is every other dead letter (a receiver's refusal, a cancellation)."""
_FAILED_KINDS = (EventKind.RETRY_SCHEDULED.value, EventKind.DEAD.value)
WAITING = (S.PENDING.value, S.RETRYING.value)
"""Backlog: deliveries waiting for an attempt (``in_flight`` ones are being attempted)."""
UNFINISHED = (*WAITING, S.IN_FLIGHT.value)


@dataclass
class DestinationBacklog:
    """A destination's deliveries by state, and the oldest one still waiting."""

    counts: dict[str, int] = field(default_factory=dict)
    oldest_waiting: datetime | None = None
    """``queued_at`` of the oldest delivery not yet delivered or dead (as the console shows it)."""

    @property
    def backlog(self) -> int:
        return sum(self.counts.get(s, 0) for s in WAITING)

    @property
    def dead(self) -> int:
        return self.counts.get(S.DEAD.value, 0)


@dataclass
class DestinationOutcomes:
    """Delivered and failed attempts per bucket of a recent window, oldest bucket first."""

    delivered: list[int]
    failed: list[int]


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    submission_id: str
    destination_id: str
    kind: str
    state: str
    attempts: int
    municipality: str
    service: str
    created_at: datetime
    next_attempt_at: datetime | None
    last_error: str | None
    last_status_code: int | None
    dead_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class DeadLetter:
    id: str
    submission_id: str
    destination_id: str
    municipality: str
    service: str
    attempts: int
    dead_at: datetime | None
    last_error: str | None
    last_status_code: int | None
    last_error_kind: str | None = None

    @property
    def error_kind(self) -> str:
        return "exhausted" if self.last_error_kind == "exhausted" else "refused"


@dataclass(frozen=True)
class SubmissionHit:
    id: str
    service: str
    municipality: str
    status: str
    idempotency_key: str | None
    portal_reference: str | None
    received_at: datetime


@dataclass(frozen=True)
class MappedMessage:
    delivery_id: str
    submission_id: str
    municipality: str
    media_type: str
    payload: bytes | None
    """None once the submission's content was purged."""


_Q = TypeVar("_Q", bound=Select[Any])


def _scoped(query: _Q, municipalities: Sequence[str] | None) -> _Q:
    return query if municipalities is None else query.where(submission.c.municipality.in_(list(municipalities)))


def dead_letters_to_replay(
    *,
    ids: Sequence[str] | None,
    destination: str | None,
    since: datetime | None,
    until: datetime | None,
    municipalities: Sequence[str] | None,
) -> Select[Any]:
    """The dead deliveries a replay takes, with what it needs to queue their callbacks.

    Run inside the replay's write transaction; a filter given (even an empty one) is applied.
    """
    query = (
        select(
            delivery.c.id,
            delivery.c.submission_id,
            delivery.c.client_id,
            delivery.c.destination_id,
            delivery.c.headers,
            delivery.c.kind,
        )
        .join(submission, submission.c.id == delivery.c.submission_id)
        # A reply is replayed like a submission's delivery (docs/replies.md); a status callback is not.
        .where(
            delivery.c.state == S.DEAD.value,
            delivery.c.kind.in_([DeliveryKind.SUBMISSION.value, DeliveryKind.REPLY.value]),
        )
        # A purged submission has nothing left to send: its dead letters are refused (Retention.refused_replays).
        .where(submission.c.content_purged_at.is_(None))
    )
    if ids is not None:
        query = query.where(delivery.c.id.in_(list(ids)))
    if destination is not None:
        query = query.where(delivery.c.destination_id == destination)
    if since is not None:
        query = query.where(delivery.c.dead_at >= since)
    if until is not None:
        query = query.where(delivery.c.dead_at < until)
    return _scoped(query, municipalities)


class OperatorViews:
    def __init__(self, db: Database) -> None:
        self.db = db

    def backlog(self) -> dict[str, DestinationBacklog]:
        """destination id -> its backlog, for every destination that has deliveries.

        One grouped count and one grouped minimum over the deliveries to destinations (portal
        callbacks are not destinations and left out).
        """
        out: dict[str, DestinationBacklog] = {}
        to_destination = delivery.c.kind == DeliveryKind.SUBMISSION.value
        with self.db.read() as conn:
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

    def outcomes(
        self, *, window: timedelta = timedelta(hours=1), buckets: int = 12, now: datetime | None = None
    ) -> dict[str, DestinationOutcomes]:
        """destination id -> its delivered and failed attempts per bucket over the last ``window``."""
        now = now or utcnow()
        since = now - window
        width = window / buckets
        with self.db.read() as conn:
            rows = conn.execute(
                select(delivery.c.destination_id, event.c.kind, event.c.at)
                .join(delivery, delivery.c.id == event.c.delivery_id)
                .where(
                    event.c.at >= since,
                    event.c.kind.in_([EventKind.DELIVERED.value, *_FAILED_KINDS]),
                    delivery.c.kind == DeliveryKind.SUBMISSION.value,
                )
            ).all()
        out: dict[str, DestinationOutcomes] = {}
        for dest, kind, at in rows:
            of = out.setdefault(dest, DestinationOutcomes(delivered=[0] * buckets, failed=[0] * buckets))
            bucket = min(int((at - since) / width), buckets - 1)
            (of.delivered if kind == EventKind.DELIVERED.value else of.failed)[bucket] += 1
        return out

    def deliveries(
        self,
        *,
        state: str | None = None,
        destination: str | None = None,
        municipality: str | None = None,
        service: str | None = None,
        kind: str | None = DeliveryKind.SUBMISSION.value,
        limit: int = 100,
    ) -> list[DeliveryRow]:
        """Deliveries, newest first."""
        query = select(
            delivery.c.id,
            delivery.c.submission_id,
            delivery.c.destination_id,
            delivery.c.kind,
            delivery.c.state,
            delivery.c.attempts,
            submission.c.municipality,
            submission.c.service,
            delivery.c.created_at,
            delivery.c.next_attempt_at,
            delivery.c.last_error,
            delivery.c.last_status_code,
            delivery.c.dead_at,
            delivery.c.delivered_at,
        ).join(submission, submission.c.id == delivery.c.submission_id)
        if state:
            query = query.where(delivery.c.state == state)
        if destination:
            query = query.where(delivery.c.destination_id == destination)
        if municipality:
            query = query.where(submission.c.municipality == municipality)
        if service:
            query = query.where(submission.c.service == service)
        if kind:
            query = query.where(delivery.c.kind == kind)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(delivery.c.created_at.desc()).limit(limit)).all()
        return [DeliveryRow(**{**r._mapping, "last_error": self._last_error(r)}) for r in rows]

    def _last_error(self, row: Any) -> str | None:
        return self.db.sealer.open_text(row.last_error, contexts.last_error(row.id))

    def dead_letters(
        self,
        *,
        municipalities: Sequence[str] | None,
        destination: str | None = None,
        municipality: str | None = None,
        service: str | None = None,
        error_kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> list[DeadLetter]:
        query = (
            select(
                delivery.c.id,
                delivery.c.submission_id,
                delivery.c.destination_id,
                submission.c.municipality,
                submission.c.service,
                delivery.c.attempts,
                delivery.c.dead_at,
                delivery.c.last_error,
                delivery.c.last_status_code,
                delivery.c.last_error_kind,
            )
            .join(submission, submission.c.id == delivery.c.submission_id)
            .where(delivery.c.state == S.DEAD.value, delivery.c.kind == DeliveryKind.SUBMISSION.value)
        )
        query = _scoped(query, municipalities)
        if destination:
            query = query.where(delivery.c.destination_id == destination)
        if municipality:
            query = query.where(submission.c.municipality == municipality)
        if service:
            query = query.where(submission.c.service == service)
        exhausted = delivery.c.last_error_kind == "exhausted"
        if error_kind == "exhausted":
            query = query.where(exhausted)
        elif error_kind == "refused":
            query = query.where(or_(delivery.c.last_error_kind.is_(None), ~exhausted))
        if since:
            query = query.where(delivery.c.dead_at >= since)
        if until:
            query = query.where(delivery.c.dead_at < until)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(delivery.c.dead_at.desc()).limit(limit)).all()
        return [DeadLetter(**{**r._mapping, "last_error": self._last_error(r)}) for r in rows]

    def search(
        self,
        *,
        municipalities: Sequence[str] | None,
        text: str | None = None,
        municipality: str | None = None,
        service: str | None = None,
        limit: int = 100,
    ) -> list[SubmissionHit]:
        """Submissions by id, idempotency key or portal reference (exact), and/or municipality and service."""
        query = select(
            submission.c.id,
            submission.c.service,
            submission.c.municipality,
            submission.c.status,
            submission.c.idempotency_key,
            submission.c.portal_reference,
            submission.c.received_at,
        )
        query = _scoped(query, municipalities)
        if text:
            query = query.where(
                or_(
                    submission.c.id == text,
                    submission.c.idempotency_key == text,
                    submission.c.portal_reference == text,
                )
            )
        if municipality:
            query = query.where(submission.c.municipality == municipality)
        if service:
            query = query.where(submission.c.service == service)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(submission.c.received_at.desc()).limit(limit)).all()
        return [SubmissionHit(**r._mapping) for r in rows]

    def mapped_messages(self, submission_id: str) -> list[MappedMessage]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(
                    delivery.c.id.label("delivery_id"),
                    delivery.c.submission_id,
                    submission.c.municipality,
                    delivery.c.media_type,
                    delivery.c.payload,
                )
                .join(submission, submission.c.id == delivery.c.submission_id)
                .where(delivery.c.submission_id == submission_id, delivery.c.kind == DeliveryKind.SUBMISSION.value)
            ).all()
        sealer = self.db.sealer
        return [
            MappedMessage(**{**r._mapping, "payload": sealer.open_bytes(r.payload, contexts.payload(r.delivery_id))})
            for r in rows
        ]
