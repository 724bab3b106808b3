"""Status callbacks: what the hub tells a portal when one of its submissions changes.

A portal that registered a callback URL hears of every change of a delivery of its submissions
(an attempt's transition, a replay, a receiver's later decision) as a signed JSON body. A callback
is itself delivered like a submission, to the portal's own callback destination, so it inherits
retries, dead letters and replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.acceptance import Outcome
from hub.domain.states import DeliveryState
from hub.domain.transitions import Transition

CALLBACK_PREFIX = "portal-callback:"
CALLBACK_TYPE = "submission.status-changed"


def callback_destination(client_id: str) -> str:
    """The destination id under which the callbacks to a portal client are delivered."""
    return f"{CALLBACK_PREFIX}{client_id}"


def is_callback_destination(destination_id: str) -> bool:
    return destination_id.startswith(CALLBACK_PREFIX)


def client_of(destination_id: str) -> str | None:
    """The portal client a callback destination belongs to (None: not a callback destination)."""
    return destination_id[len(CALLBACK_PREFIX) :] if is_callback_destination(destination_id) else None


@dataclass(frozen=True)
class StatusCallback:
    """One status callback to the portal client that posted the submission."""

    client_id: str
    submission_id: str
    changed_at: datetime
    change: dict[str, Any]

    @property
    def destination_id(self) -> str:
        return callback_destination(self.client_id)

    def body(self) -> dict[str, Any]:
        return {
            "type": CALLBACK_TYPE,
            "submissionId": self.submission_id,
            "changedAt": self.changed_at.isoformat(),
            **self.change,
        }


def after_attempt(t: Transition, status: str) -> StatusCallback:
    """The callback on an attempt's transition (``status``: the submission's status after it)."""
    d = t.delivery
    change = {
        "status": status,
        "destination": d.destination_id,
        "deliveryState": t.state.value,
        "attempts": d.attempts,
        "reason": t.error,
    }
    return StatusCallback(d.client_id, d.submission_id, t.at, change)


def after_replay(client_id: str, submission_id: str, destination_id: str, status: str, at: datetime) -> StatusCallback:
    """The callback on a dead letter made pending again by an operator."""
    change = {
        "status": status,
        "destination": destination_id,
        "deliveryState": DeliveryState.PENDING.value,
        "attempts": 0,
        "reason": None,
    }
    return StatusCallback(client_id, submission_id, at, change)


def after_decision(
    client_id: str,
    submission_id: str,
    destination_id: str,
    status: str,
    outcome: Outcome,
    at: datetime,
    *,
    reason: str | None = None,
) -> StatusCallback:
    """The callback on a receiver's later decision: accepted (still delivered) or rejected (dead, ``reason``)."""
    state = DeliveryState.DELIVERED if reason is None else DeliveryState.DEAD
    change: dict[str, Any] = {
        "status": status,
        "destination": destination_id,
        "deliveryState": state.value,
        "outcome": outcome.kind.value,
    }
    if reason is not None:
        change["reason"] = reason
    return StatusCallback(client_id, submission_id, at, change)
