"""The delivery state machine: what one attempt's outcome makes of a leased delivery.

::

    pending | retrying --lease--> in_flight --ok---------------------------> delivered
                                            --permanent-------------------> dead
                                            --transient, policy allows----> retrying (at t)
                                            --transient, policy exhausted-> dead
                                            --lease expired---------------> retrying (at once)
                                            --given back unsent-----------> pending | retrying
    dead --replayed by an operator--> pending (attempts count from zero again)

A worker leases a delivery, attempts it, and hands the attempt to :func:`decide`, which returns
the :class:`Transition`: the new state, what it sets (receipt, next attempt, reason) and the
events to append. The store writes the transition as it is (:mod:`hub.store.settlement`); nothing
here reads or writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.domain.retry import RetryPolicy
from hub.domain.states import DeliveryState, EventKind

S = DeliveryState

EXHAUSTED_PREFIX = "gave up after"
"""How the reason of a delivery dead for want of attempts (not refused) begins."""


class AttemptOutcome(StrEnum):
    """How one attempt ended, as the event log names it."""

    OK = "ok"
    TRANSIENT = "transient"
    """The receiver was unreachable, slow or failing: worth another try."""
    PERMANENT = "permanent"
    """The receiver refused this message: another try would be refused too."""
    ABANDONED = "abandoned"
    """The worker stopped renewing its lease (killed, stalled): the message may or may not have arrived."""


@dataclass(frozen=True)
class LeasedDelivery:
    """A delivery a worker holds under its lease, as it was when leased (``attempts`` counts this one)."""

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
    """How many deliveries the submission has: with one, its status follows from this one alone."""
    owner: str


@dataclass(frozen=True)
class Attempt:
    """What happened on one try, for the event log and metrics."""

    started_at: datetime
    duration_ms: float
    outcome: str  # an AttemptOutcome's value
    status_code: int | None = None
    error: str | None = None
    response_excerpt: str | None = None

    def detail(self, d: LeasedDelivery) -> dict[str, Any]:
        """The ``attempt`` event's detail."""
        out: dict[str, Any] = {
            "destination": d.destination_id,
            "attempt": d.attempts,
            "outcome": str(self.outcome),
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
class Transition:
    """The decision on one attempt, ready to be written.

    ``error`` is what the delivery shows as its last error (``None`` once delivered);
    ``events`` follow the ``attempt`` event in the submission's log.
    """

    delivery: LeasedDelivery
    state: DeliveryState
    attempt: Attempt
    at: datetime
    events: tuple[tuple[EventKind, dict[str, Any]], ...]
    error: str | None = None
    receipt: dict[str, Any] | None = None
    next_attempt_at: datetime | None = None

    @property
    def attempt_event(self) -> tuple[EventKind, dict[str, Any]]:
        return EventKind.ATTEMPT, self.attempt.detail(self.delivery)


def delivered(d: LeasedDelivery, attempt: Attempt, receipt: dict[str, Any], now: datetime) -> Transition:
    """The receiver took the message; its receipt is kept."""
    event = (EventKind.DELIVERED, {"destination": d.destination_id, "receipt": receipt})
    return Transition(d, S.DELIVERED, attempt, now, (event,), receipt=receipt)


def retry_at(d: LeasedDelivery, attempt: Attempt, at: datetime, now: datetime) -> Transition:
    """Another attempt at ``at``."""
    event = (EventKind.RETRY_SCHEDULED, {"destination": d.destination_id, "nextAttemptAt": at.isoformat()})
    return Transition(d, S.RETRYING, attempt, now, (event,), error=attempt.error, next_attempt_at=at)


def dead(d: LeasedDelivery, attempt: Attempt, reason: str, now: datetime) -> Transition:
    """No further attempt: a dead letter for an operator to look at (and perhaps replay)."""
    event = (EventKind.DEAD, {"destination": d.destination_id, "reason": reason, "attempts": d.attempts})
    return Transition(d, S.DEAD, attempt, now, (event,), error=reason)


def decide(
    d: LeasedDelivery,
    attempt: Attempt,
    policy: RetryPolicy,
    now: datetime,
    *,
    receipt: dict[str, Any] | None = None,
    retry_after: float | None = None,
) -> Transition:
    """The transition an attempt's outcome leads to, under the destination's retry policy.

    ``receipt`` is the receiver's answer to an ``ok`` attempt; ``retry_after`` is how long a
    receiver asked to be left alone after a ``transient`` one (it wins when longer than the backoff).
    """
    if attempt.outcome == AttemptOutcome.OK:
        return delivered(d, attempt, receipt or {}, now)
    if attempt.outcome == AttemptOutcome.PERMANENT:
        return dead(d, attempt, attempt.error or "refused by the receiver", now)
    at = policy.next_attempt_at(attempt=d.attempts, first_queued_at=d.queued_at, now=now, retry_after=retry_after)
    if at is None:
        return dead(d, attempt, f"{EXHAUSTED_PREFIX} {d.attempts} attempts: {attempt.error}", now)
    return retry_at(d, attempt, at, now)


ABANDONED_REASON = "attempt abandoned: the worker's lease expired (worker killed or stalled)"
"""The last error of a delivery whose attempt was abandoned; it is due again at once, as ``retrying``
(a resend is safe: the receiver's duplicate check discards a message that did arrive)."""


def abandoned(destination_id: str, attempt: int, lease_expired_at: datetime) -> tuple[EventKind, dict[str, Any]]:
    """The ``attempt`` event of an attempt abandoned when its worker's lease expired."""
    detail = {
        "destination": destination_id,
        "attempt": attempt,
        "outcome": AttemptOutcome.ABANDONED.value,
        "error": "lease expired before the attempt was settled",
        "leaseExpiredAt": lease_expired_at.isoformat(),
    }
    return EventKind.ATTEMPT, detail


def given_back(d: LeasedDelivery) -> DeliveryState:
    """The state of a leased delivery the worker hands back unsent (the attempt is not counted)."""
    return S.PENDING if d.attempts <= 1 else S.RETRYING


def error_kind(state: DeliveryState, error: str | None) -> str | None:
    """The kind of a last error (``transient``, ``exhausted``, ``refused``), kept in clear beside the
    sealed text: the dead letters' filter must not need to read what a receiver wrote."""
    if error is None:
        return None
    if state is DeliveryState.DEAD:
        return "exhausted" if error.startswith(EXHAUSTED_PREFIX) else "refused"
    return "transient"
