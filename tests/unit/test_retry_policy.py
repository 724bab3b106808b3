from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hub.domain.retry import RetryPolicy

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(initial_seconds=1, multiplier=2, max_seconds=5, jitter=0)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_jitter_spreads_within_its_fraction() -> None:
    policy = RetryPolicy(initial_seconds=10, multiplier=1, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.delay(1, rng=rng) for _ in range(500)]
    assert min(delays) >= 8
    assert max(delays) <= 12
    assert max(delays) - min(delays) > 2  # it really spreads


def test_retry_after_wins_when_longer() -> None:
    policy = RetryPolicy(initial_seconds=1, jitter=0)
    assert policy.delay(1, retry_after=30) == 30
    assert policy.delay(1, retry_after=0.5) == 1


def test_gives_up_after_max_attempts_and_max_age() -> None:
    policy = RetryPolicy(initial_seconds=60, multiplier=1, jitter=0, max_attempts=3, max_age_seconds=600)
    assert policy.next_attempt_at(attempt=2, first_queued_at=T0, now=T0) == T0 + timedelta(seconds=60)
    assert policy.next_attempt_at(attempt=3, first_queued_at=T0, now=T0) is None
    late = T0 + timedelta(seconds=590)
    assert policy.next_attempt_at(attempt=1, first_queued_at=T0, now=late) is None
