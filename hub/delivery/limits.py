"""Per-destination guards in one worker process: a concurrency limit and a circuit breaker.

Both are checked before a delivery is leased. A destination at its limit or with an open
circuit makes the delivery wait (deferred in the database) instead of holding a worker thread,
so one slow or broken receiver never starves the others.
"""

from __future__ import annotations

import threading

from hub.connectors.base import Destination
from hub.domain.circuit import CircuitBreaker


class DestinationGuards:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    def slot(self, destination: Destination) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._slots.get(destination.id)
            if sem is None:
                sem = self._slots[destination.id] = threading.BoundedSemaphore(max(destination.concurrency, 1))
            return sem

    def breaker(self, destination: Destination) -> CircuitBreaker:
        with self._lock:
            cb = self._breakers.get(destination.id)
            if cb is None:
                cb = self._breakers[destination.id] = CircuitBreaker(
                    failure_threshold=destination.circuit.failure_threshold,
                    open_seconds=destination.circuit.open_seconds,
                )
            return cb

    def breakers(self) -> dict[str, CircuitBreaker]:
        with self._lock:
            return dict(self._breakers)
