"""The heartbeat of attempts in progress: renews their delivery leases and concurrency slots.

A lease is short (``HUB_LEASE_SECONDS``, default 10 s) so that a killed worker's deliveries are
free again soon after; while a worker is sending, this thread renews the leases of everything it
holds every third of that. So a lease always outlives the attempt it covers, however long the
connector legitimately takes within its deadline, and no delivery is ever sent twice in parallel.

Renewal of a batch stops at its ``hard_until`` (the sum of its attempts' deadlines plus a margin):
a connector that ignored its deadline cannot hold a delivery for ever.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

from hub.delivery.limits import DestinationLimits
from hub.store.deliveries import DeliveryStore

log = structlog.get_logger(__name__)


@dataclass
class Held:
    """What one batch holds: deliveries under ``owner``'s lease, and slots per destination."""

    owner: str
    hard_until: float
    delivery_ids: list[str]
    slots: list[tuple[str, str]]  # (destination id, holder)


class LeaseKeeper:
    def __init__(self, deliveries: DeliveryStore, limits: DestinationLimits, *, lease_seconds: float) -> None:
        self.deliveries = deliveries
        self.limits = limits
        self.lease_seconds = lease_seconds
        self._held: dict[int, Held] = {}
        self._keys = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, held: Held) -> Iterator[Held]:
        """Renew what ``held`` names while the block runs (its lists may grow and shrink inside)."""
        with self._lock:
            key = next(self._keys)
            self._held[key] = held
            self._ensure_thread()
        try:
            yield held
        finally:
            with self._lock:
                self._held.pop(key, None)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="hub-lease-keeper", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        interval = self.lease_seconds / 3
        while not self._stop.wait(interval):
            try:
                self.renew_now()
            except Exception as exc:  # the database or Redis is away: the next beat tries again
                log.warning("lease_renewal_failed", error=type(exc).__name__)

    def renew_now(self) -> int:
        now = time.monotonic()
        with self._lock:
            batches = list(self._held.values())
        live = [h for h in batches if h.hard_until > now]
        for h in batches:
            if h.hard_until <= now and h.delivery_ids:
                log.error("attempt_overran_deadline", owner=h.owner, deliveries=len(h.delivery_ids))
        ids = [i for h in live for i in list(h.delivery_ids)]
        renewed = self.deliveries.renew_leases(ids, [h.owner for h in live], self.lease_seconds) if ids else 0
        for h in live:
            for destination_id, holder in list(h.slots):
                self.limits.renew(destination_id, holder, self.lease_seconds)
        return renewed

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
