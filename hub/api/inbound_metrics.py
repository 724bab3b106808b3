"""Prometheus metrics of the inbound mailroom, read from the database at scrape time (docs/inbound.md).

The sources are polled in whichever worker process holds the poll's lease, so only the database
sees every message: ``hub_inbound_received_total{source}`` counts every message stored from a
source (cases and quarantine alike; the rows are kept), ``hub_inbound_quarantined{source,reason}``
the messages waiting in quarantine now, ``hub_inbound_messages{source,state}`` all of them by state.
Cached briefly, like the backlog gauges.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.domain.inbound import InboundCount, InboundState

CACHE_SECONDS = 5.0


class InboundCollector(Collector):
    def __init__(self, counts: Callable[[], list[InboundCount]], *, cache_seconds: float = CACHE_SECONDS) -> None:
        self.counts = counts
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, list[InboundCount]] | None = None

    def _read(self) -> list[InboundCount]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.cache_seconds:
                self._cached = (time.monotonic(), self.counts())
            return self._cached[1]

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
        for c in self._read():
            totals[c.source_id] = totals.get(c.source_id, 0) + c.count
            states[(c.source_id, c.state)] = states.get((c.source_id, c.state), 0) + c.count
            if c.state == InboundState.QUARANTINED.value:
                quarantined.add_metric([c.source_id, c.reason or ""], c.count)
        for source, total in sorted(totals.items()):
            received.add_metric([source], total)
        for (source, state), count in sorted(states.items()):
            by_state.add_metric([source, state], count)
        yield from (received, quarantined, by_state)
