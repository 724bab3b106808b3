"""A job run now and then by a worker process's own thread, while a lease in the database decides
which process actually runs it (:mod:`hub.store.scheduled_jobs`).

The thread only asks often enough (a quarter of the interval, capped): the lease row, not this
loop, says when a pass is due, so any number of processes can run the same schedule.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class Periodic:
    def __init__(self, name: str, tick: Callable[[], object], *, interval: float, longest_wait: float) -> None:
        self.name = name
        self.tick = tick
        self.interval = interval
        self.longest_wait = longest_wait
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start asking, unless the interval is 0 (the job runs only on demand)."""
        if self.interval <= 0:
            return
        self._thread = threading.Thread(target=self._run, name=f"hub-{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(min(self.interval / 4, self.longest_wait)):
            try:
                self.tick()
            except Exception:
                log.exception("scheduled_job_failed", job=self.name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
