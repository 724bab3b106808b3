"""The sweeper: re-enqueues due deliveries whose broker message never ran, and expired leases.

It is what makes the broker disposable: after a Redis ``FLUSHALL``, a lost delayed message or a
worker killed mid-delivery, everything due is found in the database and nudged again. A due
delivery's nudge counts as lost after ``HUB_REQUEUE_AFTER_SECONDS`` (a long backlog in the broker
is not lost, only slow), or after a few seconds when the broker's queue is empty (then nothing
is on its way). Several sweepers may run (one per worker process); ``FOR UPDATE SKIP LOCKED``
keeps them apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from hub.delivery.dispatcher import Dispatcher
from hub.store.delivery_recovery import DeliveryRecovery

log = structlog.get_logger(__name__)

IDLE_STALE_AFTER_SECONDS = 5.0
"""With the broker's queue empty, a due delivery whose nudge is this old is enqueued again."""


class Sweeper:
    def __init__(
        self,
        recovery: DeliveryRecovery,
        dispatcher: Dispatcher,
        *,
        interval: float,
        stale_after: float,
        batch: int = 500,
        queued: Callable[[], int | None] = lambda: None,
        idle_stale_after: float = IDLE_STALE_AFTER_SECONDS,
    ) -> None:
        self.recovery = recovery
        self.dispatcher = dispatcher
        self.interval = interval
        self.stale_after = stale_after
        self.batch = batch
        self.queued = queued
        self.idle_stale_after = idle_stale_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self, stale_after: float | None = None) -> int:
        """One pass; returns how many deliveries were re-enqueued."""
        if stale_after is None:
            stale_after = self.stale_after
            try:
                waiting_messages = self.queued()
            except Exception:  # the broker is away: its messages may be gone, but so is the way to resend
                waiting_messages = None
            if waiting_messages == 0:
                # Nothing is queued, so a due delivery has no message coming (a flushed broker, a
                # killed worker's prefetched batch): resend soon instead of after the full wait.
                stale_after = min(stale_after, self.idle_stale_after)
        total = 0
        while True:
            claimed = self.recovery.claim_due(stale_after=stale_after, limit=self.batch)
            self.dispatcher.nudge(claimed)
            total += len(claimed)
            if len(claimed) < self.batch:
                break
        if total:
            log.info("sweeper_requeued", count=total)
        return total

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hub-sweeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                log.exception("sweeper_failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
