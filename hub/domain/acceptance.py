"""A receiver's later decision on a delivered message: accepted or rejected, learnt after delivery.

Some receivers (FIT-Connect's event log) decide only after they took a message: its delivery is
``delivered`` with a receipt that says ``awaitingAcceptance``. Accepted, the receipt records it.
Rejected, the delivery turns dead with the receiver's problems as its reason (and the submission's
status follows). Not decided within the destination's ``acceptWithinSeconds``, it is flagged as
overdue, once. Everything lives in the receipt and the event log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from hub.domain.states import DeliveryState, EventKind


class OutcomeKind(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    """The receiver's final word: accepted, or rejected with the problems it named."""

    kind: OutcomeKind
    problems: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """What a receiver's decision makes of a delivered delivery, ready to be written.

    ``reason`` is set when the delivery turns dead (a rejection): it becomes its last error.
    """

    state: DeliveryState
    receipt: dict[str, Any]
    event: tuple[EventKind, dict[str, Any]]
    reason: str | None = None


def awaits_decision(receipt: object) -> bool:
    """Whether a delivered message's receipt still waits for the receiver's decision."""
    return isinstance(receipt, dict) and bool(receipt.get("awaitingAcceptance"))


def flagged_overdue(receipt: dict[str, Any]) -> bool:
    return bool(receipt.get("overdueAt"))


def decide(destination_id: str, receipt: dict[str, Any], outcome: Outcome, now: datetime) -> Decision:
    """The receiver accepted (the delivery stays delivered) or rejected (it turns dead) the message."""
    decided = {**receipt, "awaitingAcceptance": False, "outcome": outcome.kind.value}
    if outcome.kind is OutcomeKind.ACCEPTED:
        decided["decidedAt"] = now.isoformat()
        detail = {"destination": destination_id, **outcome.detail}
        return Decision(DeliveryState.DELIVERED, decided, (EventKind.ACCEPTED, detail))
    reason = "rejected by the receiver: " + ("; ".join(outcome.problems) or "no reason given")
    decided |= {"problems": list(outcome.problems), "decidedAt": now.isoformat()}
    detail = {"destination": destination_id, "reason": reason, "problems": list(outcome.problems), **outcome.detail}
    return Decision(DeliveryState.DEAD, decided, (EventKind.DEAD, detail), reason)


def is_overdue(delivered_at: datetime, accept_within_seconds: float, now: datetime) -> bool:
    """Whether the receiver took longer to decide than the destination allows."""
    return now - delivered_at >= timedelta(seconds=accept_within_seconds)


def overdue(destination_id: str, receipt: dict[str, Any], accept_within_seconds: float, now: datetime) -> Decision:
    """The flag on a message the receiver has not decided on in time (still delivered, still awaiting)."""
    detail = {"destination": destination_id, "acceptWithinSeconds": accept_within_seconds}
    flagged = {**receipt, "overdueAt": now.isoformat()}
    return Decision(DeliveryState.DELIVERED, flagged, (EventKind.ACCEPTANCE_OVERDUE, detail))
