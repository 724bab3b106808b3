"""The workers' view of the operators' destination controls, cached briefly to keep the hot path cheap.

Every batch a worker takes asks whether its destinations are paused and whether a circuit reset
was requested; one indexed read per ``ttl`` seconds per process answers all of them, so a pause
takes effect in every process within about a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from hub.store.destination_states import CONTROLS_CACHE_SECONDS, ControlSnapshot, DestinationStateStore

CACHE_SECONDS = CONTROLS_CACHE_SECONDS


class DestinationControls:
    def __init__(
        self,
        states: DestinationStateStore,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.states = states
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._snapshot = ControlSnapshot()
        self._read_at: float | None = None

    def snapshot(self) -> ControlSnapshot:
        with self._lock:
            now = self.clock()
            if self._read_at is None or now - self._read_at >= self.ttl:
                self._snapshot = self.states.snapshot()
                self._read_at = now
            return self._snapshot

    def is_paused(self, destination_id: str) -> bool:
        return destination_id in self.snapshot().paused

    def invalidate(self) -> None:
        """Read afresh next time (this process just changed a control)."""
        with self._lock:
            self._read_at = None
