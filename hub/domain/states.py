"""States of deliveries and submissions, and the kinds of events in a submission's log."""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    """Where one delivery (one submission to one destination) stands.

    ``pending`` waits for its first attempt, ``retrying`` for a later one (``next_attempt_at``),
    ``in_flight`` is leased by a worker until ``lease_expires_at``; ``delivered`` and ``dead`` end it.
    """

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    DEAD = "dead"

    @property
    def is_final(self) -> bool:
        return self in (DeliveryState.DELIVERED, DeliveryState.DEAD)


WAITING_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING)


class SubmissionStatus(StrEnum):
    """The portal's view of a submission, derived from its deliveries (:mod:`hub.domain.submission_status`)."""

    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    FAILED = "failed"


class EventKind(StrEnum):
    """Entries of a submission's append-only event log."""

    RECEIVED = "received"
    ROUTED = "routed"
    ATTEMPT = "attempt"
    DELIVERED = "delivered"
    RETRY_SCHEDULED = "retry_scheduled"
    DEFERRED = "deferred"
    DEAD = "dead"
    REPLAYED = "replayed"
    LEASE_EXPIRED = "lease_expired"
    STATUS_CHANGED = "status_changed"
    ACCEPTED = "accepted"
    """The receiver accepted a delivered message (e.g. FIT-Connect ``accept-submission``)."""
    ACCEPTANCE_OVERDUE = "acceptance_overdue"
    """A delivered message was not accepted within the destination's ``acceptWithinSeconds``."""
    PURGED = "purged"
    """The submission's personal content was removed (``reason``: retention or erasure)."""
    CANCELLED = "cancelled"
    """A delivery that had not reached its receiver was given up because the content was erased."""
    REPLIED = "replied"
    """A back office or an operator posted a reply to the case (its delivery returns it; docs/replies.md)."""


class DeliveryKind(StrEnum):
    """What a delivery carries: the application itself, or a status callback to the portal."""

    SUBMISSION = "submission"
    CALLBACK = "callback"
    REPLY = "reply"
    """A back office's reply to a case, returned to its sender (docs/replies.md)."""
