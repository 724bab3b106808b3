"""Prometheus metrics of the API process."""

from __future__ import annotations

from fastapi import Request
from prometheus_client import Counter, Histogram

INTAKE = Counter("hub_intake_requests_total", "Submission POSTs by HTTP status", ["status"])
REQUEST_LATENCY = Histogram(
    "hub_http_request_seconds",
    "Latency of API requests",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def observe_request(request: Request, status: int, seconds: float) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    REQUEST_LATENCY.labels(path, request.method).observe(seconds)
    if path == "/v1/submissions" and request.method == "POST":
        INTAKE.labels(str(status)).inc()
