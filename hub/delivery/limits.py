"""Per-destination guards in one worker process: a concurrency limit and a circuit breaker.

Both are checked before a delivery is leased. A destination at its limit or with an open
circuit makes the delivery wait (deferred in the database) instead of holding a worker thread,
so one slow or broken receiver never starves the others.
"""

from __future__ import annotations

import threading
from datetime import datetime

from hub.connectors.base import Destination
from hub.domain.circuit import CircuitBreaker


class DestinationGuards:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._resets_seen: dict[str, datetime] = {}

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

    def honour_resets(self, resets: dict[str, datetime]) -> list[str]:
        """Close the breakers whose operator reset request (persisted, shared by all processes) is
        newer than the last one this process applied; returns their destination ids."""
        done = []
        with self._lock:
            for destination_id, at in resets.items():
                if self._resets_seen.get(destination_id) == at:
                    continue
                self._resets_seen[destination_id] = at
                cb = self._breakers.get(destination_id)
                if cb is not None:
                    cb.reset()
                    done.append(destination_id)
        return done

    def breakers(self) -> dict[str, CircuitBreaker]:
        with self._lock:
            return dict(self._breakers)
