"""API-key authentication with a short in-process cache (intake runs it on every request)."""

from __future__ import annotations

import hashlib
import threading
import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from hub.api.problems import Problem
from hub.service.access import Access, ApiClient

CACHE_SECONDS = 30.0


class Authenticator:
    def __init__(self, access: Access) -> None:
        self.access = access
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[ApiClient | None, float]] = {}

    async def client_for_key(self, key: str) -> ApiClient | None:
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(fingerprint)
        if hit is not None and hit[1] > now:
            return hit[0]
        client = await run_in_threadpool(self.access.client_for_key, key)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[fingerprint] = (client, now + CACHE_SECONDS)
        return client

    async def __call__(self, request: Request) -> ApiClient:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key:
            key = request.headers.get("x-api-key", "")
        if not key:
            raise Problem(
                "unauthorized",
                "no API key given",
                headers={"WWW-Authenticate": 'Bearer realm="hub"'},
            )
        client = await self.client_for_key(key.strip())
        if client is None:
            raise Problem(
                "unauthorized",
                "unknown or disabled API key",
                headers={"WWW-Authenticate": 'Bearer realm="hub"'},
            )
        return client
