"""The delivery state machine (``hub.domain.transitions``) and its status callbacks, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.domain import status_callbacks
from hub.domain.acceptance import Outcome, OutcomeKind, is_overdue, overdue
from hub.domain.acceptance import decide as decide_acceptance
from hub.domain.retry import RetryPolicy
from hub.domain.states import DeliveryState, EventKind
from hub.domain.transitions import (
    EXHAUSTED_PREFIX,
    Attempt,
    AttemptOutcome,
    LeasedDelivery,
    abandoned,
    decide,
    error_kind,
    given_back,
)

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NO_JITTER = RetryPolicy(initial_seconds=10, multiplier=2, jitter=0, max_attempts=3, max_age_seconds=3600)


def leased(attempts: int = 1, queued_at: datetime = T0) -> LeasedDelivery:
    return LeasedDelivery(
        id="d-1",
        submission_id="s-1",
        client_id="portal-1",
        destination_id="gladbeck-fachverfahren",
        kind="submission",
        message_id="m-1",
        attempts=attempts,
        queued_at=queued_at,
        media_type="application/json",
        headers={},
        payload=b"{}",
        delivery_count=1,
        owner="worker",
    )


def attempt(outcome: AttemptOutcome, status_code: int | None = None, error: str | None = None) -> Attempt:
    return Attempt(started_at=T0, duration_ms=12.34, outcome=outcome, status_code=status_code, error=error)


def test_an_ok_attempt_delivers_and_keeps_the_receipt() -> None:
    # Given a leased delivery whose receiver took the message
    ok = attempt(AttemptOutcome.OK, 201)

    # When the attempt is decided
    t = decide(leased(), ok, NO_JITTER, T0, receipt={"reference": "R-1"})

    # Then the delivery is delivered with its receipt and no error, logged after the attempt
    assert (t.state, t.receipt, t.error, t.next_attempt_at, t.at) == (
        DeliveryState.DELIVERED,
        {"reference": "R-1"},
        None,
        None,
        T0,
    )
    assert t.events == (
        (EventKind.DELIVERED, {"destination": "gladbeck-fachverfahren", "receipt": {"reference": "R-1"}}),
    )
    kind, detail = t.attempt_event
    assert kind is EventKind.ATTEMPT
    assert detail == {
        "destination": "gladbeck-fachverfahren",
        "attempt": 1,
        "outcome": "ok",
        "startedAt": T0.isoformat(),
        "durationMs": 12.3,
        "statusCode": 201,
    }


def test_a_refusal_is_dead_at_once_whatever_the_policy_allows() -> None:
    # Given a receiver that refused the message on the first attempt
    refused = attempt(AttemptOutcome.PERMANENT, 400, "400 Aktenzeichen fehlt")

    # When it is decided
    t = decide(leased(attempts=1), refused, NO_JITTER, T0)

    # Then the delivery is dead with the refusal as its reason
    assert (t.state, t.error) == (DeliveryState.DEAD, "400 Aktenzeichen fehlt")
    assert t.events == (
        (EventKind.DEAD, {"destination": "gladbeck-fachverfahren", "reason": "400 Aktenzeichen fehlt", "attempts": 1}),
    )


def test_a_transient_failure_is_retried_after_the_policy_s_backoff() -> None:
    # Given the second attempt failed transiently
    unavailable = attempt(AttemptOutcome.TRANSIENT, 503, "503")

    # When it is decided under a policy of 10 s doubling
    t = decide(leased(attempts=2), unavailable, NO_JITTER, T0)

    # Then the next attempt is 20 s later
    assert (t.state, t.next_attempt_at, t.error) == (DeliveryState.RETRYING, T0 + timedelta(seconds=20), "503")
    assert t.events == (
        (
            EventKind.RETRY_SCHEDULED,
            {"destination": "gladbeck-fachverfahren", "nextAttemptAt": (T0 + timedelta(seconds=20)).isoformat()},
        ),
    )


def test_a_receiver_s_retry_after_wins_when_longer() -> None:
    # Given a receiver that asked to be left alone for two minutes
    unavailable = attempt(AttemptOutcome.TRANSIENT, 429, "429")

    # When the attempt is decided
    t = decide(leased(attempts=1), unavailable, NO_JITTER, T0, retry_after=120)

    # Then the retry waits for that
    assert t.next_attempt_at == T0 + timedelta(seconds=120)


def test_a_transient_failure_is_dead_once_attempts_or_age_are_exhausted() -> None:
    unavailable = attempt(AttemptOutcome.TRANSIENT, 503, "503")

    # When the policy's last attempt failed
    last = decide(leased(attempts=3), unavailable, NO_JITTER, T0)

    # Then the delivery is dead, and its reason says it gave up
    assert (last.state, last.error) == (DeliveryState.DEAD, "gave up after 3 attempts: 503")

    # And so it is when the delivery is older than the policy allows
    old = decide(leased(attempts=1, queued_at=T0 - timedelta(hours=2)), unavailable, NO_JITTER, T0)
    assert (old.state, old.error) == (DeliveryState.DEAD, "gave up after 1 attempts: 503")


def test_a_delivery_given_back_unsent_does_not_count_the_attempt() -> None:
    # Given deliveries leased for their first and for a later attempt
    # Then handed back unsent, the first waits as pending, the later one as retrying
    assert given_back(leased(attempts=1)) is DeliveryState.PENDING
    assert given_back(leased(attempts=2)) is DeliveryState.RETRYING


def test_an_expired_lease_is_an_abandoned_attempt() -> None:
    # When a worker's lease expired with the attempt under way
    kind, detail = abandoned("gladbeck-fachverfahren", 2, T0)

    # Then the attempt is logged as abandoned, naming when the lease expired
    assert kind is EventKind.ATTEMPT
    assert detail["outcome"] == "abandoned"
    assert (detail["attempt"], detail["leaseExpiredAt"]) == (2, T0.isoformat())


def test_the_callback_after_an_attempt_names_the_state_and_the_reason() -> None:
    # Given a refused attempt of a submission that is failed now
    t = decide(leased(), attempt(AttemptOutcome.PERMANENT, 400, "400 refused"), NO_JITTER, T0)

    # When the portal's callback is made
    callback = status_callbacks.after_attempt(t, "failed")

    # Then it goes to the portal's callback destination and says what changed
    assert callback.destination_id == "portal-callback:portal-1"
    assert callback.body() == {
        "type": "submission.status-changed",
        "submissionId": "s-1",
        "changedAt": T0.isoformat(),
        "status": "failed",
        "destination": "gladbeck-fachverfahren",
        "deliveryState": "dead",
        "attempts": 1,
        "reason": "400 refused",
    }
    assert status_callbacks.client_of(callback.destination_id) == "portal-1"
    assert status_callbacks.client_of("gladbeck-fachverfahren") is None


def test_a_receiver_s_rejection_turns_the_delivered_message_dead() -> None:
    # Given a delivered message awaiting the receiver's decision, then rejected
    receipt = {"awaitingAcceptance": True, "submissionId": "fc-1"}
    rejected = Outcome(OutcomeKind.REJECTED, ("missing attachment",))

    # When the decision is made
    decision = decide_acceptance("sozialplattform", receipt, rejected, T0)

    # Then the delivery is dead with the receiver's problems as its reason, the receipt records it
    assert decision.state is DeliveryState.DEAD
    assert decision.reason == "rejected by the receiver: missing attachment"
    assert decision.receipt == {
        "awaitingAcceptance": False,
        "submissionId": "fc-1",
        "outcome": "rejected",
        "problems": ["missing attachment"],
        "decidedAt": T0.isoformat(),
    }
    assert decision.event[0] is EventKind.DEAD


def test_an_acceptance_keeps_the_delivery_delivered_and_overdue_is_flagged() -> None:
    receipt = {"awaitingAcceptance": True}

    # When the receiver accepts
    accepted = decide_acceptance("sozialplattform", receipt, Outcome(OutcomeKind.ACCEPTED), T0)

    # Then the delivery stays delivered, the acceptance logged
    assert (accepted.state, accepted.reason, accepted.event[0]) == (DeliveryState.DELIVERED, None, EventKind.ACCEPTED)
    assert accepted.receipt["awaitingAcceptance"] is False

    # And a decision longer in coming than allowed is overdue, flagged in the receipt
    assert not is_overdue(T0, 60, T0 + timedelta(seconds=59))
    assert is_overdue(T0, 60, T0 + timedelta(seconds=60))
    flagged = overdue("sozialplattform", receipt, 60, T0)
    assert flagged.receipt == {"awaitingAcceptance": True, "overdueAt": T0.isoformat()}
    assert flagged.event == (
        EventKind.ACCEPTANCE_OVERDUE,
        {"destination": "sozialplattform", "acceptWithinSeconds": 60},
    )


def test_the_kind_of_a_last_error_is_what_the_dead_letters_filter_reads_in_clear() -> None:
    assert error_kind(DeliveryState.RETRYING, "HTTP 503") == "transient"
    assert error_kind(DeliveryState.DEAD, f"{EXHAUSTED_PREFIX} 8 attempts: HTTP 503") == "exhausted"
    assert error_kind(DeliveryState.DEAD, "HTTP 422: Familienname fehlt") == "refused"
    assert error_kind(DeliveryState.DELIVERED, None) is None
