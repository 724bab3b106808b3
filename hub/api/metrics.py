"""Prometheus metrics of the API process."""

from __future__ import annotations

from prometheus_client import Counter, Histogram
from starlette.types import Scope

INTAKE = Counter("hub_intake_requests_total", "Submission POSTs by HTTP status", ["status"])
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
