"""What one attempt produced, as data: the leased delivery, the attempt, and the transition to write.

Pure values built by the worker and written by :class:`hub.store.deliveries.DeliveryStore`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.domain.states import DeliveryState, EventKind
from hub.store.types import utcnow

S = DeliveryState


@dataclass(frozen=True)
class LeasedDelivery:
    id: str
    submission_id: str
    client_id: str
    destination_id: str
    kind: str
    message_id: str
    attempts: int
    queued_at: datetime
    media_type: str
    headers: dict[str, str]
    payload: bytes
    delivery_count: int
    owner: str


@dataclass(frozen=True)
class Attempt:
    """What happened on one try, for the event log and metrics."""

    started_at: datetime
    duration_ms: float
    outcome: str  # ok | transient | permanent
    status_code: int | None = None
    error: str | None = None
    response_excerpt: str | None = None

    def detail(self, d: LeasedDelivery) -> dict[str, Any]:
        out: dict[str, Any] = {
            "destination": d.destination_id,
            "attempt": d.attempts,
            "outcome": self.outcome,
            "startedAt": self.started_at.isoformat(),
            "durationMs": round(self.duration_ms, 1),
        }
        if self.status_code is not None:
            out["statusCode"] = self.status_code
        if self.error:
            out["error"] = self.error
        if self.response_excerpt:
            out["responseExcerpt"] = self.response_excerpt
        return out


@dataclass(frozen=True)
class Settled:
    """The outcome of settling an attempt: whether we still held the lease, and callbacks to nudge."""

    applied: bool
    status: str | None = None
    callbacks: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Transition:
    """The outcome of one attempt, ready to be written: new state, column values, events."""

    delivery: LeasedDelivery
    state: DeliveryState
    values: dict[str, Any]
    events: list[tuple[EventKind, dict[str, Any]]]
    attempt: Attempt
    at: datetime


def delivered(d: LeasedDelivery, attempt: Attempt, receipt: dict[str, Any]) -> Transition:
    now = utcnow()
    values = {
        "delivered_at": now,
        "receipt": receipt,
        "last_error": None,
        "last_status_code": attempt.status_code,
    }
    events = [(EventKind.DELIVERED, {"destination": d.destination_id, "receipt": receipt})]
    return Transition(d, S.DELIVERED, values, events, attempt, now)


def retry_at(d: LeasedDelivery, attempt: Attempt, at: datetime) -> Transition:
    values = {
        "next_attempt_at": at,
        "enqueued_at": at,
        "last_error": attempt.error,
        "last_status_code": attempt.status_code,
    }
    detail = {"destination": d.destination_id, "nextAttemptAt": at.isoformat()}
    return Transition(d, S.RETRYING, values, [(EventKind.RETRY_SCHEDULED, detail)], attempt, utcnow())


def dead(d: LeasedDelivery, attempt: Attempt, reason: str) -> Transition:
    now = utcnow()
    values = {
        "dead_at": now,
        "next_attempt_at": None,
        "last_error": reason,
        "last_status_code": attempt.status_code,
    }
    detail = {"destination": d.destination_id, "reason": reason, "attempts": d.attempts}
    return Transition(d, S.DEAD, values, [(EventKind.DEAD, detail)], attempt, now)
