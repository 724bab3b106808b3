"""Which portal clients want status callbacks, and where their callbacks are addressed."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Connection, select

from hub.store.tables import api_client


class CallbackTargets:
    """Which clients want status callbacks, cached briefly (it is read on every transition)."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._cache: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def known_without(self, client_id: str) -> bool:
        """True when the cache knows (unexpired) that this client has no callback."""
        with self._lock:
            hit = self._cache.get(client_id)
        return hit is not None and not hit[0] and hit[1] > time.monotonic()

    def wants(self, conn: Connection, client_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(client_id)
        if hit and hit[1] > now:
            return hit[0]
        url = conn.execute(select(api_client.c.callback_url).where(api_client.c.id == client_id)).scalar()
        with self._lock:
            self._cache[client_id] = (bool(url), now + self.ttl)
        return bool(url)


def callback_destination(client_id: str) -> str:
    return f"portal-callback:{client_id}"
