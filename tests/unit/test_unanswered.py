"""When a submission waiting unanswered at its platform is warned about (hub.domain.unanswered)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.unanswered import PLATFORM_REJECTS_AFTER, Urgency, WaitingSubmission, urgency


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), None),
        (timedelta(days=3) - timedelta(seconds=1), None),
        (timedelta(days=3), Urgency.OVER_3_DAYS),
        (timedelta(days=12) - timedelta(seconds=1), Urgency.OVER_3_DAYS),
        (timedelta(days=12), Urgency.NEAR_REJECTION),
        (timedelta(days=20), Urgency.NEAR_REJECTION),
    ],
)
def test_urgency_by_age(age: timedelta, expected: Urgency | None) -> None:
    assert urgency(age) == expected


def test_near_rejection_leaves_two_days_before_the_platform_rejects() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    waiting = WaitingSubmission("src", "sub-1", now - PLATFORM_REJECTS_AFTER + timedelta(days=2), None)
    assert waiting.age(now) == timedelta(days=12)
    assert waiting.urgency(now) == Urgency.NEAR_REJECTION
