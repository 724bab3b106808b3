"""Prometheus metrics of the inbound mailroom, read from the database at scrape time (docs/inbound.md).

The sources are polled in whichever worker process holds the poll's lease, so only the database
sees every message: ``hub_inbound_received_total{source}`` counts every message stored from a
source (cases and quarantine alike; the rows are kept), ``hub_inbound_quarantined{source,reason}``
the messages waiting in quarantine now, ``hub_inbound_messages{source,state}`` all of them by state,
``hub_inbound_unanswered{source,urgency}`` the submissions a source lists that the hub has not
answered for over 3 days (``over-3-days``) or 12 (``near-rejection``: FIT-Connect rejects them by
itself after 14), and ``hub_inbound_unanswered_oldest_seconds{source}`` the oldest one's age.
Cached briefly, like the backlog gauges.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.domain.clock import utcnow
from hub.domain.inbound import InboundCount, InboundState
from hub.domain.unanswered import Urgency, WaitingSubmission

CACHE_SECONDS = 5.0


class InboundCollector(Collector):
    def __init__(
        self,
        counts: Callable[[], list[InboundCount]],
        waiting: Callable[[], list[WaitingSubmission]] = list,
        *,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.counts = counts
        self.waiting = waiting
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, list[InboundCount], list[WaitingSubmission]] | None = None

    def _read(self) -> tuple[list[InboundCount], list[WaitingSubmission]]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.cache_seconds:
                self._cached = (time.monotonic(), self.counts(), self.waiting())
            return self._cached[1], self._cached[2]

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        received = CounterMetricFamily(
            "hub_inbound_received", "Messages received and stored from an inbound source", labels=["source"]
        )
        quarantined = GaugeMetricFamily(
            "hub_inbound_quarantined", "Inbound messages in quarantine now", labels=["source", "reason"]
        )
        by_state = GaugeMetricFamily("hub_inbound_messages", "Inbound messages by state", labels=["source", "state"])
        totals: dict[str, int] = {}
        states: dict[tuple[str, str], int] = {}
        counts, waiting = self._read()
        for c in counts:
            totals[c.source_id] = totals.get(c.source_id, 0) + c.count
            states[(c.source_id, c.state)] = states.get((c.source_id, c.state), 0) + c.count
            if c.state == InboundState.QUARANTINED.value:
                quarantined.add_metric([c.source_id, c.reason or ""], c.count)
        for source, total in sorted(totals.items()):
            received.add_metric([source], total)
        for (source, state), count in sorted(states.items()):
            by_state.add_metric([source, state], count)
        yield from (received, quarantined, by_state, *_unanswered(waiting))


def _unanswered(waiting: list[WaitingSubmission]) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
    now = utcnow()
    unanswered = GaugeMetricFamily(
        "hub_inbound_unanswered",
        "Submissions a source lists that the hub has not answered, by how long (FIT-Connect rejects after 14 days)",
        labels=["source", "urgency"],
    )
    oldest = GaugeMetricFamily(
        "hub_inbound_unanswered_oldest_seconds",
        "Age of the oldest submission a source lists that the hub has not answered",
        labels=["source"],
    )
    levels: dict[tuple[str, str], int] = {}
    ages: dict[str, float] = {}
    for w in waiting:
        ages[w.source_id] = max(ages.get(w.source_id, 0.0), w.age(now).total_seconds())
        for each in Urgency:
            levels.setdefault((w.source_id, each.value), 0)
        level = w.urgency(now)
        if level is not None:
            levels[(w.source_id, level.value)] += 1
    for (source, label), count in sorted(levels.items()):
        unanswered.add_metric([source, label], count)
    for source, age in sorted(ages.items()):
        oldest.add_metric([source], age)
    return unanswered, oldest
