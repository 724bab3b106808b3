"""Resolving a delivery's destination id: the region's destinations and each portal's callback target."""

from __future__ import annotations

import threading
import time

from hub.connectors.base import Destination
from hub.connectors.replies import reply_destination
from hub.domain.retry import RetryPolicy
from hub.domain.status_callbacks import callback_destination, client_of
from hub.errors import ConfigError
from hub.routing.region import Region
from hub.store.clients import ClientStore


class DestinationResolver:
    def __init__(self, region: Region, clients: ClientStore, callback_policy: RetryPolicy, ttl: float = 30.0) -> None:
        self.region = region
        self.clients = clients
        self.callback_policy = callback_policy
        self.ttl = ttl
        self._lock = threading.Lock()
        self._callbacks: dict[str, tuple[Destination, float]] = {}

    def get(self, destination_id: str) -> Destination:
        found = self.region.destinations.get(destination_id)
        if found is not None:
            return found
        client_id = client_of(destination_id)
        if client_id is not None:
            return self._callback(client_id)
        reply = reply_destination(destination_id, self.region.inbound)  # back through a source (docs/replies.md)
        if reply is not None:
            return reply
        raise ConfigError(f"unknown destination {destination_id!r} (removed from the region config?)")

    def _callback(self, client_id: str) -> Destination:
        now = time.monotonic()
        with self._lock:
            hit = self._callbacks.get(client_id)
        if hit and hit[1] > now:
            return hit[0]
        client = self.clients.get(client_id)
        if client is None or not client.callback_url or not client.callback_secret:
            raise ConfigError(f"API client {client_id} has no callback configured")
        dest = Destination(
            id=callback_destination(client_id),
            name=f"Status callbacks of {client.name}",
            connector="portal-callback",
            settings={
                "url": client.callback_url,
                "secret": client.callback_secret,
                "timeoutSeconds": 10,
            },
            retry=self.callback_policy,
            concurrency=4,
        )
        with self._lock:
            self._callbacks[client_id] = (dest, now + self.ttl)
        return dest
