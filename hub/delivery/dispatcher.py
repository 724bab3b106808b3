"""Nudging workers after a commit, from a background thread so the broker is off the request path.

A nudge is only a hint that a delivery may be due: it is sent after the transaction that made
the delivery due has committed, and a failed or lost nudge is recovered by the sweeper. So
``nudge`` never blocks on the broker and never raises.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Iterable
from datetime import datetime

import dramatiq
import structlog

from hub.delivery.broker import batch
from hub.domain.clock import utcnow
from hub.log_errors import describe

log = structlog.get_logger(__name__)

BATCH = 500  # nudges per broker round trip
PER_MESSAGE = 8  # deliveries per broker message: one lease and one settle statement for all
LINGER_SECONDS = 0.003

_Nudge = tuple[tuple[str, str], datetime | None]


def _group(items: list[_Nudge]) -> list[tuple[list[list[str]], datetime | None]]:
    """Messages of up to ``PER_MESSAGE`` (delivery, destination) pairs for what is due now, one
    destination's together where they queued up together (its limits are then asked once for
    all of them); a delayed nudge travels alone, since the broker delays whole messages."""
    out: list[tuple[list[list[str]], datetime | None]] = []
    by_destination: dict[str, list[list[str]]] = {}
    for (delivery_id, destination_id), at in items:
        if at is not None:
            out.append(([[delivery_id, destination_id]], at))
            continue
        by_destination.setdefault(destination_id, []).append([delivery_id, destination_id])
    due: list[list[str]] = []
    for pairs in by_destination.values():
        for pair in pairs:
            due.append(pair)
            if len(due) == PER_MESSAGE:
                out.append((due, None))
                due = []
    if due:
        out.append((due, None))
    return out


class Dispatcher:
    def __init__(self, actor: dramatiq.Actor) -> None:  # type: ignore[type-arg]
        self.actor = actor
        self._queue: queue.SimpleQueue[_Nudge | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="hub-dispatcher", daemon=True)
        self._thread.start()

    def nudge(self, pairs: Iterable[tuple[str, str]], at: datetime | None = None) -> None:
        """Enqueue ``deliver(delivery_id, destination_id)`` for each pair, delayed until ``at``."""
        for pair in pairs:
            self._queue.put((pair, at))

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            if self._queue.empty():
                time.sleep(LINGER_SECONDS)  # under load, let a few more nudges share the message
            while len(items) < BATCH:  # take what queued up meanwhile: one broker round trip
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = None in items
            try:
                with batch(self.actor.broker):
                    for pairs, at in _group([i for i in items if i is not None]):
                        self._send(pairs, at)
            except Exception as exc:
                log.warning("nudge_batch_failed", count=len(items), error=describe(exc))
            if stop:
                return

    def _send(self, pairs: list[list[str]], at: datetime | None) -> None:
        delay = None
        if at is not None:
            delay = max(math.ceil((at - utcnow()).total_seconds() * 1000), 0) or None
        try:
            self.actor.send_with_options(args=(pairs,), delay=delay)
        except Exception as exc:  # any broker failure: the database still has them
            log.warning("nudge_failed", deliveries=[p[0] for p in pairs], error=describe(exc))

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout)
