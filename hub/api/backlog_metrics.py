"""Prometheus gauges read at scrape time: the truth about every destination's queue and controls.

Workers run in other processes (or not at all in this one), so counters kept in the API process
would see only part of the picture. The database sees all of it: deliveries by state, the backlog,
the oldest waiting delivery's age, dead letters and pauses come from one grouped count, one grouped
minimum and the ``destination_state`` rows, cached briefly so that several scrapers don't multiply
them.

The circuit gauge (0 closed, 1 half-open, 2 open) is the breaker of the process serving
``/metrics`` when it runs the workers (``memory://``: the only breaker there is). Where the workers
are separate processes, each has its own breaker; the API then reports the state the workers last
wrote to the database when a breaker opened or closed (so 0 or 2; half-open is not written).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.domain.circuit import CircuitState
from hub.domain.clock import utcnow
from hub.service.queries import DestinationStatus, Queries

CACHE_SECONDS = 5.0
CIRCUIT_VALUES = {CircuitState.CLOSED.value: 0, CircuitState.HALF_OPEN.value: 1, CircuitState.OPEN.value: 2}


class BacklogCollector(Collector):
    def __init__(self, queries: Queries, *, cache_seconds: float = CACHE_SECONDS) -> None:
        self.queries = queries
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, DestinationStatus]] | None = None

    def _read(self) -> dict[str, DestinationStatus]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.cache_seconds:
                self._cached = (time.monotonic(), self.queries.destinations())
            return self._cached[1]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        statuses = self._read()
        by_state = GaugeMetricFamily(
            "hub_deliveries", "Deliveries by destination and state (from the database)", labels=["destination", "state"]
        )
        backlog = GaugeMetricFamily(
            "hub_destination_backlog", "Deliveries waiting for an attempt (pending + retrying)", labels=["destination"]
        )
        oldest = GaugeMetricFamily(
            "hub_destination_oldest_waiting_seconds",
            "Age of the oldest delivery not yet delivered or dead (0: none)",
            labels=["destination"],
        )
        dead = GaugeMetricFamily("hub_dead_letters", "Dead deliveries awaiting an operator", labels=["destination"])
        paused = GaugeMetricFamily("hub_destination_paused", "1 while paused by an operator", labels=["destination"])
        circuit = GaugeMetricFamily(
            "hub_circuit_state", "Circuit breaker: 0 closed, 1 half-open, 2 open", labels=["destination"]
        )
        now = utcnow()
        for name, status in statuses.items():
            b = status.backlog
            for state, count in sorted(b.counts.items()):
                by_state.add_metric([name, state], count)
            backlog.add_metric([name], b.backlog)
            age = (now - b.oldest_waiting).total_seconds() if b.oldest_waiting else 0.0
            oldest.add_metric([name], max(age, 0.0))
            dead.add_metric([name], b.dead)
            paused.add_metric([name], 1 if status.paused else 0)
            circuit.add_metric([name], CIRCUIT_VALUES.get(status.circuit, 0))
        yield from (by_state, backlog, oldest, dead, paused, circuit)
