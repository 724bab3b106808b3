"""A submission's status derived from its deliveries (``hub.domain.submission_status``), without a database."""

from __future__ import annotations

import pytest

from hub.domain.states import DeliveryState, EventKind, SubmissionStatus
from hub.domain.submission_status import follow, overall_status

S = DeliveryState


@pytest.mark.parametrize(
    ("states", "status"),
    [
        ([], SubmissionStatus.ACCEPTED),
        ([S.PENDING, S.PENDING], SubmissionStatus.ACCEPTED),
        ([S.PENDING, S.IN_FLIGHT], SubmissionStatus.IN_PROGRESS),
        ([S.RETRYING], SubmissionStatus.IN_PROGRESS),
        ([S.DELIVERED, S.PENDING], SubmissionStatus.IN_PROGRESS),
        ([S.DELIVERED, S.DEAD, S.RETRYING], SubmissionStatus.IN_PROGRESS),
        ([S.DELIVERED, S.DELIVERED], SubmissionStatus.DELIVERED),
        ([S.DELIVERED, S.DEAD], SubmissionStatus.FAILED),
        ([S.DEAD], SubmissionStatus.FAILED),
    ],
)
def test_the_status_follows_from_the_deliveries(states: list[DeliveryState], status: SubmissionStatus) -> None:
    # Given deliveries in these states, when the status is derived, then it is the expected one
    assert overall_status(states) is status


def test_a_change_of_status_is_logged_once() -> None:
    # Given a submission in progress whose last delivery was just delivered
    # When its status is followed
    change = follow("in_progress", [S.DELIVERED, S.DELIVERED])

    # Then it changed to delivered, with a status_changed event
    assert (change.status, change.changed) == (SubmissionStatus.DELIVERED, True)
    assert change.event == (EventKind.STATUS_CHANGED, {"status": "delivered"})

    # And following it again changes nothing and logs nothing
    again = follow(change.status.value, [S.DELIVERED, S.DELIVERED])
    assert (again.changed, again.event) == (False, None)


def test_a_replayed_dead_letter_makes_a_failed_submission_accepted_or_in_progress_again() -> None:
    # Given a failed submission whose only delivery was replayed (pending again)
    assert follow("failed", [S.PENDING]).status is SubmissionStatus.ACCEPTED

    # And one whose other delivery had been delivered
    assert follow("failed", [S.PENDING, S.DELIVERED]).status is SubmissionStatus.IN_PROGRESS
