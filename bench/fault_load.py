"""The fault suite's load: a bounded number of submissions posted at a steady rate, retried like a portal.

Each submission has its own ``Idempotency-Key``. A post that fails (connection refused or reset,
timeout, 5xx, 429) is posted again with the same key and body after a short back-off, so a
submission the hub committed before its answer was lost is never accepted twice. A submission
counts as accepted only once it got a 202. The load runs in a thread of its own (an asyncio loop)
while the suite injects faults from the main thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

RETRYABLE_4XX = frozenset({408, 425, 429})
POST_TIMEOUT_SECONDS = 15.0
MAX_IN_FLIGHT = 64
"""Posts open at once; during an API outage retries wait here instead of piling up."""


@dataclass
class LoadTally:
    """What the portals saw. Written by the load's thread, read by the suite's (counters only)."""

    accepted: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> submission id, for every submission that got a 202."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Every answer or error, by status code or exception name (202 included)."""
    refused: dict[str, int] = field(default_factory=dict)
    """Key -> status of submissions refused for good (a 4xx that a retry cannot change)."""
    gave_up: list[str] = field(default_factory=list)
    started: int = 0
    retries: int = 0
    finished_at: float | None = None


class SteadyLoad:
    """Posts ``total`` submissions at ``rate`` per second to ``api_url`` (bodies used in turn)."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        bodies: list[bytes],
        *,
        total: int,
        rate: float,
        run_id: str,
        give_up_after: float = 180.0,
    ) -> None:
        self.api_url = api_url
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}
        self.bodies = bodies
        self.total = total
        self.rate = rate
        self.run_id = run_id
        self.give_up_after = give_up_after
        self.tally = LoadTally()
        self._thread = threading.Thread(target=self._main, name="fault-load", daemon=True)

    @property
    def planned_seconds(self) -> float:
        return self.total / self.rate

    def start(self) -> SteadyLoad:
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def key(self, i: int) -> str:
        return f"faults-{self.run_id}-{i:06d}"

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        finally:
            self.tally.finished_at = time.monotonic()

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
        gate = asyncio.Semaphore(MAX_IN_FLIGHT)
        async with httpx.AsyncClient(base_url=self.api_url, limits=limits, timeout=POST_TIMEOUT_SECONDS) as client:
            began = time.monotonic()
            tasks = []
            for i in range(self.total):
                delay = began + i / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.tally.started += 1
                tasks.append(asyncio.create_task(self._submit(client, gate, i)))
            await asyncio.gather(*tasks)

    async def _submit(self, client: httpx.AsyncClient, gate: asyncio.Semaphore, i: int) -> None:
        key = self.key(i)
        body = self.bodies[i % len(self.bodies)]
        headers = {**self.headers, "Idempotency-Key": key}
        deadline = time.monotonic() + self.give_up_after
        backoff = 0.25
        while True:
            wait = backoff
            try:
                async with gate:
                    answer = await client.post("/v1/submissions", content=body, headers=headers)
                outcome = str(answer.status_code)
                if answer.status_code == 202:
                    self.tally.accepted[key] = answer.json()["id"]
                    self.tally.outcomes[outcome] += 1
                    return
                if 400 <= answer.status_code < 500 and answer.status_code not in RETRYABLE_4XX:
                    self.tally.outcomes[outcome] += 1
                    self.tally.refused[key] = answer.status_code
                    return
                wait = max(wait, _retry_after(answer))
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            self.tally.outcomes[outcome] += 1
            if time.monotonic() + wait > deadline:
                self.tally.gave_up.append(key)
                return
            self.tally.retries += 1
            await asyncio.sleep(wait)
            backoff = min(backoff * 2, 4.0)


def _retry_after(answer: httpx.Response) -> float:
    try:
        return min(float(answer.headers.get("retry-after", "0")), 10.0)
    except ValueError:
        return 0.0
