"""Prometheus gauges read from the database at scrape time: the truth about every queue.

Workers run in other processes (or not at all in this one), so counters kept in the API process
would see only part of the picture. The database sees all of it; a scrape costs one grouped
count, cached briefly so that several scrapers don't multiply it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.store.deliveries import DeliveryStore

CACHE_SECONDS = 5.0


class BacklogCollector(Collector):
    def __init__(self, deliveries: DeliveryStore) -> None:
        self.deliveries = deliveries
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[tuple[str, str], int]] | None = None

    def _counts(self) -> dict[tuple[str, str], int]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > CACHE_SECONDS:
                self._cached = (time.monotonic(), self.deliveries.counts())
            return self._cached[1]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "hub_deliveries", "Deliveries by destination and state (from the database)", labels=["destination", "state"]
        )
        for (destination, state), count in sorted(self._counts().items()):
            gauge.add_metric([destination, state], count)
        yield gauge
