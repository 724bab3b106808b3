"""Retry policy of a destination: exponential backoff with jitter, bounded by attempts and age."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again after the ``attempt``-th transient failure, and when to give up.

    The n-th retry waits ``initial * multiplier**(n-1)`` seconds, capped at ``max_seconds``, then
    spread by ±``jitter`` (a fraction) so that a recovering receiver is not hit by a thundering herd.
    A receiver's ``Retry-After`` wins when it asks for longer.
    """

    initial_seconds: float = 2.0
    multiplier: float = 2.0
    max_seconds: float = 600.0
    jitter: float = 0.2
    max_attempts: int = 12
    max_age_seconds: float = 48 * 3600.0

    def base_delay(self, attempt: int) -> float:
        """The un-jittered wait after failed attempt number ``attempt`` (1-based)."""
        raw = self.initial_seconds * self.multiplier ** max(attempt - 1, 0)
        return float(min(raw, self.max_seconds))

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        base = self.base_delay(attempt)
        spread = base * self.jitter
        delay = base + (rng or random).uniform(-spread, spread) if spread else base
        if retry_after is not None:
            delay = max(delay, retry_after)
        return max(delay, 0.0)

    def next_attempt_at(
        self,
        *,
        attempt: int,
        first_queued_at: datetime,
        now: datetime,
        retry_after: float | None = None,
    ) -> datetime | None:
        """The time of the next attempt, or ``None`` when attempts or age are exhausted."""
        if attempt >= self.max_attempts:
            return None
        at = now + timedelta(seconds=self.delay(attempt, retry_after))
        if at - first_queued_at > timedelta(seconds=self.max_age_seconds):
            return None
        return at
