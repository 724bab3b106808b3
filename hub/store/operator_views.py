"""Read models of the operator console: destination health, dead letters, search, mapped messages.

Every query takes the operator's municipality scope (None: all) so that tenancy is enforced
where the rows are read, not only where they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select

from hub.domain.states import DeliveryKind, DeliveryState, EventKind
from hub.store.db import Database
from hub.store.tables import delivery, event, submission
from hub.store.types import utcnow

S = DeliveryState
EXHAUSTED_PREFIX = "gave up after"
ERROR_KINDS = ("refused", "exhausted")
_FAILED_KINDS = (EventKind.RETRY_SCHEDULED.value, EventKind.DEAD.value)


@dataclass
class DestinationActivity:
    """Counts by state, the oldest waiting delivery and per-bucket outcomes over the last hour."""

    counts: dict[str, int] = field(default_factory=dict)
    oldest_waiting: datetime | None = None
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


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

    @property
    def error_kind(self) -> str:
        return "exhausted" if (self.last_error or "").startswith(EXHAUSTED_PREFIX) else "refused"


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
    payload: bytes


_Q = TypeVar("_Q", bound=Select[Any])


def _scoped(query: _Q, municipalities: Sequence[str] | None) -> _Q:
    return query if municipalities is None else query.where(submission.c.municipality.in_(list(municipalities)))


class OperatorViews:
    def __init__(self, db: Database) -> None:
        self.db = db

    def activity(
        self, *, window: timedelta = timedelta(hours=1), buckets: int = 12, now: datetime | None = None
    ) -> dict[str, DestinationActivity]:
        now = now or utcnow()
        since = now - window
        width = window / buckets
        out: dict[str, DestinationActivity] = {}

        def of(destination_id: str) -> DestinationActivity:
            if destination_id not in out:
                out[destination_id] = DestinationActivity(delivered=[0] * buckets, failed=[0] * buckets)
            return out[destination_id]

        sub = delivery.c.kind == DeliveryKind.SUBMISSION.value
        with self.db.read() as conn:
            for dest, state, n in conn.execute(
                select(delivery.c.destination_id, delivery.c.state, func.count())
                .where(sub)
                .group_by(delivery.c.destination_id, delivery.c.state)
            ):
                of(dest).counts[state] = int(n)
            for dest, oldest in conn.execute(
                select(delivery.c.destination_id, func.min(delivery.c.queued_at))
                .where(sub, delivery.c.state.in_([S.PENDING.value, S.RETRYING.value, S.IN_FLIGHT.value]))
                .group_by(delivery.c.destination_id)
            ):
                of(dest).oldest_waiting = oldest
            rows = conn.execute(
                select(delivery.c.destination_id, event.c.kind, event.c.at)
                .join(delivery, delivery.c.id == event.c.delivery_id)
                .where(event.c.at >= since, event.c.kind.in_([EventKind.DELIVERED.value, *_FAILED_KINDS]), sub)
            ).all()
        for dest, kind, at in rows:
            bucket = min(int((at - since) / width), buckets - 1)
            series = of(dest).delivered if kind == EventKind.DELIVERED.value else of(dest).failed
            series[bucket] += 1
        return out

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
        if error_kind == "exhausted":
            query = query.where(delivery.c.last_error.like(f"{EXHAUSTED_PREFIX}%"))
        elif error_kind == "refused":
            query = query.where(
                or_(delivery.c.last_error.is_(None), ~delivery.c.last_error.like(f"{EXHAUSTED_PREFIX}%"))
            )
        if since:
            query = query.where(delivery.c.dead_at >= since)
        if until:
            query = query.where(delivery.c.dead_at < until)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(delivery.c.dead_at.desc()).limit(limit)).all()
        return [DeadLetter(**r._mapping) for r in rows]

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
        return [MappedMessage(**r._mapping) for r in rows]
