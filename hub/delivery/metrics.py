"""Prometheus counters of the delivery workers: outcomes and attempt latency per destination.

They are counted where a worker settles an attempt (in memory, no database work), so they live in
the worker's process: with the in-process broker (``memory://``) that is the process serving
``/metrics``; separate ``hub worker`` processes keep their own. What every process can see, the
backlog, dead letters and pauses, is read from the database at scrape time instead
(:mod:`hub.api.backlog_metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from hub.domain.states import DeliveryState

OUTCOMES = Counter(
    "hub_delivery_outcomes",
    "Settled delivery attempts by destination and outcome (delivered, retry, dead)",
    ["destination", "outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "hub_delivery_attempt_seconds",
    "Duration of one delivery attempt (the connector's send) per destination",
    ["destination"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
OUTCOME_OF_STATE = {
    DeliveryState.DELIVERED: "delivered",
    DeliveryState.RETRYING: "retry",
    DeliveryState.DEAD: "dead",
}


def observe_attempt(destination: str, state: DeliveryState, duration_ms: float) -> None:
    """One settled attempt: counted under its outcome, its send timed."""
    ATTEMPT_SECONDS.labels(destination).observe(duration_ms / 1000)
    OUTCOMES.labels(destination, OUTCOME_OF_STATE.get(state, state.value)).inc()
