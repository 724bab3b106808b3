"""Nudging workers after a commit. A failed nudge is logged, never raised: the sweeper recovers it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

import dramatiq
import structlog

from hub.store.types import utcnow

log = structlog.get_logger(__name__)


class Dispatcher:
    def __init__(self, actor: dramatiq.Actor) -> None:  # type: ignore[type-arg]
        self.actor = actor

    def nudge(self, pairs: Iterable[tuple[str, str]], at: datetime | None = None) -> None:
        """Enqueue ``deliver(delivery_id, destination_id)`` for each pair, delayed until ``at``."""
        delay = None
        if at is not None:
            delay = max(math.ceil((at - utcnow()).total_seconds() * 1000), 0) or None
        for delivery_id, destination_id in pairs:
            try:
                self.actor.send_with_options(args=(delivery_id, destination_id), delay=delay)
            except Exception as exc:
                log.warning(
                    "nudge_failed", delivery_id=delivery_id, error=f"{type(exc).__name__}: {exc}"
                )
