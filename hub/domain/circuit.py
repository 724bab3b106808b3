"""Circuit breaker of one destination: stop hammering a broken receiver, probe it now and then.

closed --N consecutive failures--> open --open_seconds elapsed--> half-open
half-open --probe succeeds--> closed;  half-open --probe fails--> open again
While open, deliveries to the destination wait without spending an attempt; in half-open exactly
one delivery is let through as the probe. A probe not given back within ``probe_seconds`` (its
holder crashed or hangs) is forfeit, so a breaker can never be left waiting for a verdict that
will not come.

This module is the rule, for one process (:class:`CircuitBreaker`, the embedded default) and for
the state stored for operators (:func:`shown_state`); the deployment-wide breaker in Redis
(``hub.delivery.limits_redis``) follows the same rule in a script.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


def shown_state(stored: str, open_until: datetime | None, probe_until: datetime | None, now: datetime) -> CircuitState:
    """The state operators see, from what a worker last stored: an ``open`` whose open period is
    over (the next delivery will probe) and a ``half_open`` whose probe ran out read as closed, so
    a process that crashed in between cannot leave a destination looking broken."""
    if stored == CircuitState.OPEN.value and open_until is not None and now < open_until:
        return CircuitState.OPEN
    if stored == CircuitState.HALF_OPEN.value and probe_until is not None and now < probe_until:
        return CircuitState.HALF_OPEN
    return CircuitState.CLOSED


@dataclass
class CircuitBreaker:
    failure_threshold: int = 5
    open_seconds: float = 30.0
    probe_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _probe_until: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._state()

    def _state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self.clock() - self._opened_at >= self.open_seconds:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def _probe_out(self) -> bool:
        return self._probe_until is not None and self.clock() < self._probe_until

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self, probe_seconds: float | None = None) -> tuple[bool, bool]:
        """(may a delivery go out now, is it the probe). In half-open only one caller probes, for
        at most ``probe_seconds`` (default: the breaker's)."""
        with self._lock:
            state = self._state()
            if state is CircuitState.CLOSED:
                return True, False
            if state is CircuitState.HALF_OPEN and not self._probe_out():
                self._probe_until = self.clock() + (self.probe_seconds if probe_seconds is None else probe_seconds)
                return True, True
            return False, False

    def retry_in(self) -> float:
        """Seconds until the breaker will let a probe through (at least a moment while one is out)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(self.open_seconds - (self.clock() - self._opened_at), 0.0) or 1.0

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_until = None

    def record_failure(self, *, probe: bool = False) -> None:
        with self._lock:
            self._failures += 1
            if probe or self._failures >= self.failure_threshold:
                self._opened_at = self.clock()
            if probe:
                self._probe_until = None

    def release_probe(self) -> None:
        """The probe ended without a verdict on the receiver (not sent, or the message itself was bad)."""
        with self._lock:
            self._probe_until = None

    def reset(self) -> None:
        self.record_success()
