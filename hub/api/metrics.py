"""Prometheus metrics of the API process: requests, intake rate and latency, rejected submissions."""

from __future__ import annotations

from prometheus_client import Counter, Histogram
from starlette.types import Scope

INTAKE = Counter("hub_intake_requests_total", "Submission POSTs by HTTP status", ["status"])
INTAKE_SECONDS = Histogram(
    "hub_intake_seconds",
    "Latency of submission POSTs (validate, route, map, store), whatever their answer",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REJECTED = Counter(
    "hub_intake_rejected_total",
    "Submissions refused with 422, by problem type (validation-error, no-route)",
    ["kind"],
)
REQUEST_LATENCY = Histogram(
    "hub_http_request_seconds",
    "Latency of API requests",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    route = scope.get("route")
    path = getattr(route, "path", "unmatched")
    method = scope.get("method", "")
    REQUEST_LATENCY.labels(path, method).observe(seconds)
    if path == "/v1/submissions" and method == "POST":
        INTAKE.labels(str(status)).inc()
        INTAKE_SECONDS.observe(seconds)


def rejected(kind: str) -> None:
    """A submission was refused with 422 of this problem type."""
    REJECTED.labels(kind).inc()
