"""The sweeper: re-enqueues due deliveries whose broker message never ran, and expired leases.

It is what makes the broker disposable: after a Redis ``FLUSHALL``, a lost delayed message or a
worker killed mid-delivery, everything due is found in the database and nudged again. Several
sweepers may run (one per worker process); ``FOR UPDATE SKIP LOCKED`` keeps them apart.
"""

from __future__ import annotations

import threading

import structlog

from hub.delivery.dispatcher import Dispatcher
from hub.store.delivery_recovery import DeliveryRecovery

log = structlog.get_logger(__name__)


class Sweeper:
    def __init__(
        self,
        recovery: DeliveryRecovery,
        dispatcher: Dispatcher,
        *,
        interval: float,
        stale_after: float,
        batch: int = 500,
    ) -> None:
        self.recovery = recovery
        self.dispatcher = dispatcher
        self.interval = interval
        self.stale_after = stale_after
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self, stale_after: float | None = None) -> int:
        """One pass; returns how many deliveries were re-enqueued."""
        total = 0
        while True:
            claimed = self.recovery.claim_due(
                stale_after=self.stale_after if stale_after is None else stale_after,
                limit=self.batch,
            )
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
