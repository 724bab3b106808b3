from __future__ import annotations

from hub.domain.circuit import CircuitBreaker, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_then_half_opens_with_one_probe() -> None:
    clock = Clock()
    cb = CircuitBreaker(failure_threshold=3, open_seconds=10, clock=clock)
    for _ in range(2):
        cb.record_failure()
    assert cb.state is CircuitState.CLOSED
    assert cb.allow() == (True, False)
    cb.record_failure()
    assert cb.state is CircuitState.OPEN
    assert cb.allow() == (False, False)
    assert 9 < cb.retry_in() <= 10
    clock.now = 10
    assert cb.state is CircuitState.HALF_OPEN
    assert cb.allow() == (True, True)  # the probe
    assert cb.allow() == (False, False)  # only one


def test_failed_probe_reopens_and_successful_probe_closes() -> None:
    clock = Clock()
    cb = CircuitBreaker(failure_threshold=1, open_seconds=5, clock=clock)
    cb.record_failure()
    clock.now = 5
    assert cb.allow() == (True, True)
    cb.record_failure(probe=True)
    assert cb.state is CircuitState.OPEN
    clock.now = 10
    assert cb.allow() == (True, True)
    cb.record_success()
    assert cb.state is CircuitState.CLOSED
    assert cb.consecutive_failures == 0


def test_released_probe_lets_the_next_one_through() -> None:
    clock = Clock()
    cb = CircuitBreaker(failure_threshold=1, open_seconds=1, clock=clock)
    cb.record_failure()
    clock.now = 1
    assert cb.allow() == (True, True)
    cb.release_probe()
    assert cb.allow() == (True, True)


def test_a_probe_never_given_back_is_forfeit_after_probe_seconds() -> None:
    clock = Clock()
    cb = CircuitBreaker(failure_threshold=1, open_seconds=1, probe_seconds=30, clock=clock)
    cb.record_failure()
    clock.now = 1
    assert cb.allow() == (True, True)  # its holder crashes, or hangs
    clock.now = 30
    assert cb.allow() == (False, False)
    clock.now = 31
    assert cb.allow() == (True, True)
