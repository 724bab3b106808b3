"""Finding a submission's FIT-Connect destination through the Routing API (``GET /routes``), cached.

The Routing API answers, for a service's LeiKa key and an area (ARS), the destinations
(Zustellpunkte) responsible for it. The answer is cached per (leikaKey, ars) for
``ttl_seconds``: routes change rarely and every submission would otherwise ask again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from hub.connectors.http import expect_json, raise_for_delivery, transport_errors
from hub.errors import PermanentError


@dataclass(frozen=True)
class RoutedDestination:
    destination_id: str
    name: str | None
    signature: str


class RouteLookup:
    def __init__(self, routing_url: str, client: httpx.Client, *, ttl_seconds: float = 3600.0) -> None:
        self.routing_url = routing_url.rstrip("/")
        self._client = client
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, RoutedDestination]] = {}

    def destination(self, leika_key: str, ars: str) -> RoutedDestination:
        key = (leika_key, ars)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
        found = self._ask(leika_key, ars)
        with self._lock:
            self._cache[key] = (time.monotonic() + self.ttl_seconds, found)
        return found

    def _ask(self, leika_key: str, ars: str) -> RoutedDestination:
        with transport_errors():
            response = self._client.get(f"{self.routing_url}/routes", params={"leikaKey": leika_key, "ars": ars})
        raise_for_delivery(response)
        answer = expect_json(response, "the Routing API")
        try:
            routes = answer["routes"]
        except (KeyError, TypeError) as exc:
            raise PermanentError("Routing API answered without routes") from exc
        if not routes:
            raise PermanentError(f"Routing API knows no destination for leikaKey {leika_key} in ARS {ars}")
        first = routes[0]
        return RoutedDestination(
            str(first["destinationId"]), first.get("destinationName"), first["destinationSignature"]
        )
