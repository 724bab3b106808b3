"""A submission's status, derived from the states of its deliveries.

The portal sees one status per submission: ``accepted`` while every delivery waits for its first
attempt, ``in_progress`` once any has moved, ``delivered`` when all are, ``failed`` when all are
final and at least one is dead. Every change of status is logged once (a ``status_changed``
event) and, for portals that asked for it, sent as a status callback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.domain.states import DeliveryState, EventKind, SubmissionStatus


def overall_status(states: Iterable[DeliveryState]) -> SubmissionStatus:
    """Derive the submission's status: delivered when all are, failed once any is dead and all final."""
    states = list(states)
    if not states:
        return SubmissionStatus.ACCEPTED
    if all(s is DeliveryState.DELIVERED for s in states):
        return SubmissionStatus.DELIVERED
    if all(s.is_final for s in states):
        return SubmissionStatus.FAILED
    if all(s is DeliveryState.PENDING for s in states):
        return SubmissionStatus.ACCEPTED
    return SubmissionStatus.IN_PROGRESS


@dataclass(frozen=True)
class StatusChange:
    """The status a submission has now, and whether that is a change from the one it had."""

    status: SubmissionStatus
    changed: bool

    @property
    def event(self) -> tuple[EventKind, dict[str, Any]] | None:
        """The ``status_changed`` event to log, if it changed."""
        return (EventKind.STATUS_CHANGED, {"status": self.status.value}) if self.changed else None


def follow(current: str, states: Iterable[DeliveryState]) -> StatusChange:
    """The status after its deliveries reached ``states``, compared with the ``current`` one."""
    status = overall_status(states)
    return StatusChange(status, status != current)
