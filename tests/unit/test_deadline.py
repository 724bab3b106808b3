"""The attempt deadline and its watchdog: what is left, the caps, aborts on expiry, nesting, exit.

Waiting for something *not* to happen uses a later deadline as a marker: the one watchdog thread
expires deadlines in order, so once the marker's abort has run, an earlier one would have run too.
"""

from __future__ import annotations

import threading
import time

import pytest

from hub.connectors.deadline import AnswerTooLarge, AttemptTimeout, Deadline, attempt_deadline, current_deadline
from hub.errors import TransientError

# Generous on a loaded machine: the watchdog thread may be scheduled late, never early.
LATE_SECONDS = 3.0


def marker_after(seconds: float) -> threading.Event:
    """An event the watchdog sets once a fresh deadline of ``seconds`` has expired."""
    fired = threading.Event()
    with attempt_deadline(seconds) as marker:
        marker.on_expiry(fired.set)
        assert fired.wait(seconds + LATE_SECONDS), "the watchdog never expired the marker deadline"
    return fired


def test_both_errors_are_transient() -> None:
    # Then the worker retries both by the destination's policy
    assert issubclass(AttemptTimeout, TransientError)
    assert issubclass(AnswerTooLarge, TransientError)


def test_timeout_is_capped_by_what_is_left_and_fails_once_nothing_is() -> None:
    # Given a deadline on a clock the test moves
    now = [100.0]
    deadline = Deadline(5.0, clock=lambda: now[0])

    # Then a configured timeout is kept while shorter than what is left, and capped once longer
    assert deadline.timeout(2.0) == 2.0
    now[0] += 4.0
    assert deadline.timeout(2.0) == pytest.approx(1.0)
    assert deadline.timeout(None) == pytest.approx(1.0)

    # And once the time is up, asking for a timeout raises
    now[0] += 1.0
    assert deadline.expired
    with pytest.raises(AttemptTimeout, match="5 s"):
        deadline.timeout(2.0)


def test_count_refuses_an_answer_above_the_cap() -> None:
    # Given a deadline with a cap of 100 bytes
    deadline = Deadline(30.0, max_answer_bytes=100)

    # Then 100 bytes pass and 101 do not
    deadline.count(100)
    with pytest.raises(AnswerTooLarge, match="100 bytes"):
        deadline.count(101)


def test_expiry_calls_the_registered_abort_from_the_watchdog() -> None:
    # Given an attempt of 0.2 s with an abort registered
    called = threading.Event()
    callers: list[str] = []

    def abort() -> None:
        callers.append(threading.current_thread().name)
        called.set()

    started = time.monotonic()
    with attempt_deadline(0.2) as deadline:
        deadline.on_expiry(abort)

        # When the attempt outlives its deadline
        assert called.wait(0.2 + LATE_SECONDS)

    # Then the abort ran once, not before the deadline, on the watchdog thread
    assert time.monotonic() - started >= 0.2
    assert callers == ["hub-deadline-watchdog"]
    assert deadline.expired


def test_a_cancelled_abort_is_not_called() -> None:
    # Given an abort registered and then cancelled (the read it guarded returned in time)
    called = threading.Event()
    with attempt_deadline(0.2) as deadline:
        cancel = deadline.on_expiry(called.set)
        cancel()
        witness = threading.Event()
        deadline.on_expiry(witness.set)

        # When the deadline passes
        assert witness.wait(0.2 + LATE_SECONDS)

    # Then only the abort still registered ran
    assert not called.is_set()


def test_an_abort_registered_after_expiry_runs_at_once() -> None:
    # Given a deadline the watchdog has expired
    with attempt_deadline(0.05) as deadline:
        expired = threading.Event()
        deadline.on_expiry(expired.set)
        assert expired.wait(0.05 + LATE_SECONDS)

        # When an abort is registered now
        late = threading.Event()
        deadline.on_expiry(late.set)

        # Then it has run already, in the caller's thread
        assert late.is_set()


def test_no_abort_runs_after_the_attempt_has_ended() -> None:
    # Given an attempt that ended well before its deadline, with an abort still registered
    called = threading.Event()
    with attempt_deadline(0.2) as deadline:
        deadline.on_expiry(called.set)
    assert current_deadline() is None

    # When a later deadline has expired (so the earlier one's time has certainly come)
    marker_after(0.4)

    # Then the ended attempt's abort never ran
    assert not called.is_set()


def test_a_nested_deadline_never_outlives_nor_outsizes_the_enclosing_one() -> None:
    # Given an attempt of 2 s and 1000 bytes
    with attempt_deadline(2.0, max_answer_bytes=1000) as outer:
        # When a part of it opens a deadline of its own, longer and larger
        with attempt_deadline(60.0, max_answer_bytes=10_000) as inner:
            # Then the inner one is bounded by the outer one and is current meanwhile
            assert current_deadline() is inner
            assert inner.expires_at == outer.expires_at
            assert inner.max_answer_bytes == 1000

        # And a shorter inner deadline keeps its own, shorter, limit
        with attempt_deadline(0.5) as short:
            assert short.expires_at < outer.expires_at

        # And after the inner block the outer deadline is current again
        assert current_deadline() is outer
    assert current_deadline() is None


def test_each_thread_sees_only_its_own_attempt() -> None:
    # Given an attempt in this thread
    seen: list[Deadline | None] = []
    with attempt_deadline(5.0):
        # When another thread (another delivery) asks for the current deadline
        other = threading.Thread(target=lambda: seen.append(current_deadline()))
        other.start()
        other.join(5)

    # Then it has none
    assert seen == [None]
