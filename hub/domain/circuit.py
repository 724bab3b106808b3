"""Circuit breaker of one destination: stop hammering a broken receiver, probe it now and then.

closed --N consecutive failures--> open --open_seconds elapsed--> half-open
half-open --probe succeeds--> closed;  half-open --probe fails--> open again
While open, deliveries to the destination wait without spending an attempt; in half-open exactly
one delivery is let through as the probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    failure_threshold: int = 5
    open_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _probe_out: bool = False
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

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """May a delivery go out now? In half-open, only the first caller gets to probe."""
        with self._lock:
            state = self._state()
            if state is CircuitState.CLOSED:
                return True
            if state is CircuitState.HALF_OPEN and not self._probe_out:
                self._probe_out = True
                return True
            return False

    def retry_in(self) -> float:
        """Seconds until the breaker will let a probe through (0 when closed)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(self.open_seconds - (self.clock() - self._opened_at), 0.0) or 1.0

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_out = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probe_out or self._failures >= self.failure_threshold:
                self._opened_at = self.clock()
            self._probe_out = False

    def release_probe(self) -> None:
        """The probe ended without a verdict on the receiver (e.g. the message itself was bad)."""
        with self._lock:
            self._probe_out = False

    def reset(self) -> None:
        self.record_success()
