"""Submissions waiting unanswered at a platform: when operators are warned.

FIT-Connect rejects a submission by itself when its destination has not answered it within 14
days, and the sender then learns nothing but that. A submission the hub lists but cannot answer (a
decryption key missing from the keys file, a fetch that keeps failing) is therefore a warning after
3 days and urgent from the 12th, two days before the platform gives up on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

WARN_AFTER = timedelta(days=3)
PLATFORM_REJECTS_AFTER = timedelta(days=14)
NEAR_REJECTION = PLATFORM_REJECTS_AFTER - timedelta(days=2)


class Urgency(StrEnum):
    OVER_3_DAYS = "over-3-days"
    NEAR_REJECTION = "near-rejection"


def urgency(age: timedelta) -> Urgency | None:
    if age >= NEAR_REJECTION:
        return Urgency.NEAR_REJECTION
    if age >= WARN_AFTER:
        return Urgency.OVER_3_DAYS
    return None


@dataclass(frozen=True, slots=True)
class WaitingSubmission:
    """One submission a source listed and the hub has not answered yet."""

    source_id: str
    external_id: str
    since: datetime
    """When the hub first saw it listed (the platform's submit time is not read; it is at most a poll earlier)."""
    reason: str | None
    """Why it is not answered (e.g. ``decryption-key-missing``); None: not reached yet."""

    def age(self, now: datetime) -> timedelta:
        return now - self.since

    def urgency(self, now: datetime) -> Urgency | None:
        return urgency(self.age(now))
