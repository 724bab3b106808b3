"""Per-destination limits hold across the deployment: PostgreSQL, Redis, two ``hub worker`` processes.

The receiver (the back-office simulator) counts how many posts to one system are open at once and
when each message arrived, so the limits are checked where they matter: at the receiver.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import select

from hub.sim.kit.server import ServerThread
from hub.store.tables import delivery
from tests.conftest import RunningHub, _truncate, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import write_region
from tests.support.waiting import wait_for
from tests.support.workers import Workers, worker_env

DESTINATION = "gladbeck-fachverfahren"

Topology = Callable[..., tuple[RunningHub, Workers]]


@pytest.fixture
def topology(
    postgres_url: str, redis_url: str, tmp_path: Path, backoffice: ServerThread, sim: httpx.Client
) -> Iterator[Topology]:
    """Builds the API (no worker in it) and a worker pool for a region with the given policies."""
    started: list[tuple[RunningHub, Workers]] = []

    def build(env: dict[str, str] | None = None, **policies: Any) -> tuple[RunningHub, Workers]:
        _truncate(postgres_url)
        redis.Redis.from_url(redis_url).flushdb()
        region = write_region(tmp_path / "region", backoffice.url, timeout_seconds=10, **policies)
        settings = make_settings(postgres_url, region, broker_url=redis_url, requeue_after_seconds=2.0)
        api = start_hub(settings, run_worker=False)
        workers = Workers(worker_env(postgres_url, redis_url, region, **(env or {})), tmp_path)
        started.append((api, workers))
        return api, workers

    yield build
    for api, workers in started:
        workers.stop_all()
        stop_hub(api)


def circuit_of(hub: RunningHub) -> str:
    control = hub.ctx.destination_states.all().get(DESTINATION)
    return control.circuit_state if control else "closed"


def post_many(hub: RunningHub, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        response = hub.api.post("/v1/submissions", json=sample())
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


def all_delivered(hub: RunningHub, ids: list[str], timeout: float = 60) -> None:
    wait_for(
        lambda: all(hub.ctx.submissions.get(i).status == "delivered" for i in ids),
        timeout=timeout,
        what="every submission delivered",
    )


def delivered_by_each(workers: Workers) -> list[int]:
    return [workers.log_of(n).read_text(errors="replace").count('"event": "delivered"') for n in range(2)]


def test_the_concurrency_limit_holds_across_two_worker_processes(topology: Topology, sim: httpx.Client) -> None:
    # Given a destination that takes 2 posts at once, and two worker processes of 4 threads
    hub, workers = topology(concurrency=2)
    workers.start()
    workers.start()
    # (each answer takes 300 ms, so senders overlap)
    sim.post("/_sim/faults", json={"mode": "latency", "latencyMs": 300, "system": "gladbeck", "count": 40})

    # When 16 submissions go out
    ids = post_many(hub, 16)
    all_delivered(hub, ids)

    # Then the receiver never had more than 2 posts open at once, and both processes delivered
    assert sim.get("/_sim/stats").json()["peakOpenBySystem"]["gladbeck"] == 2
    assert all(n > 0 for n in delivered_by_each(workers)), delivered_by_each(workers)


def test_the_rate_limit_holds_across_two_worker_processes(topology: Topology, sim: httpx.Client) -> None:
    # Given a destination that takes 4 requests per second (burst 1), and two worker processes
    hub, workers = topology(rate_limit={"perSecond": 4, "burst": 1})
    workers.start()
    workers.start()

    # When 16 submissions go out at once
    ids = post_many(hub, 16)
    all_delivered(hub, ids)

    # Then the receiver saw them spread at 4/s: 15 gaps take at least 15/4 s (tolerance 10 %), and
    # no second holds more than rate + burst
    arrived = sorted(
        datetime.fromisoformat(m["receivedAt"].replace("Z", "+00:00")) for m in sim.get("/_sim/messages").json()
    )
    assert len(arrived) == 16
    span = (arrived[-1] - arrived[0]).total_seconds()
    assert span >= 15 / 4 * 0.9, span
    for i, start in enumerate(arrived):
        in_window = [t for t in arrived[i:] if t - start < timedelta(seconds=1)]
        assert len(in_window) <= 5, [t.isoformat() for t in arrived]
    assert all(n > 0 for n in delivered_by_each(workers)), delivered_by_each(workers)


def test_one_process_opening_the_circuit_stops_the_other_and_a_crash_leaves_no_stale_open(
    topology: Topology, sim: httpx.Client
) -> None:
    # Given a destination whose circuit opens after 3 failures, for 4 s
    hub, workers = topology(circuit={"failureThreshold": 3, "openSeconds": 4})
    first = workers.start()

    # When its receiver fails for the first worker process until the circuit opens
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "system": "gladbeck"})
    post_many(hub, 3)
    wait_for(lambda: circuit_of(hub) == "open", what="open circuit")
    sim.delete("/_sim/faults")

    # And that process dies (SIGKILL), and another one starts
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    workers.start()

    # Then the new process never learned of the failures itself, yet sends nothing while open: it
    # defers what it is handed to the end of the open period
    requests_when_opened = sim.get("/_sim/stats").json()["requests"]
    later = post_many(hub, 3)
    opened_until = hub.ctx.destination_states.all()[DESTINATION].circuit_open_until
    assert opened_until is not None

    def deferred_past_open() -> bool:
        with hub.ctx.db.read() as conn:
            rows = conn.execute(select(delivery.c.next_attempt_at).where(delivery.c.submission_id.in_(later))).all()
        return all(r.next_attempt_at >= opened_until - timedelta(milliseconds=300) for r in rows)

    wait_for(deferred_past_open, what="deliveries deferred by the second process")
    assert sim.get("/_sim/stats").json()["requests"] == requests_when_opened
    assert datetime.now(UTC) < opened_until, "the check above ran after the open period: inconclusive"

    # And after the open period the probe goes through, the circuit closes and everything is delivered
    all_delivered(hub, later)
    assert circuit_of(hub) == "closed"


def test_a_killed_workers_delivery_is_taken_up_within_15_s_with_the_default_lease(
    topology: Topology, sim: httpx.Client
) -> None:
    # Given two worker processes with the default lease and sweep interval
    hub, workers = topology(env={"HUB_SWEEP_INTERVAL_SECONDS": "1.0"})
    doomed = workers.start()
    # (the receiver stores the next message and holds its answer for 30 s: the attempt is under way)
    sim.post("/_sim/faults", json={"mode": "latency", "latencyMs": 30000, "recordFirst": True, "count": 1})
    [submission_id] = post_many(hub, 1)
    wait_for(lambda: sim.get("/_sim/stats").json()["received"] == 1, what="the attempt under way")
    workers.start()

    # When the worker holding it is killed
    doomed.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    doomed.wait(timeout=10)

    # Then the other worker delivers it within about 15 s (lease 10 s + a sweep), as a second attempt
    all_delivered(hub, [submission_id], timeout=30)
    assert time.monotonic() - killed_at < 15
    attempts = [e.detail["outcome"] for e in hub.ctx.submissions.events(submission_id) if e.kind == "attempt"]
    assert attempts == ["abandoned", "ok"]


def test_after_a_redis_flush_the_backlog_is_resent_within_seconds_not_after_the_requeue_wait(
    topology: Topology, sim: httpx.Client, redis_url: str
) -> None:
    # Given deliveries queued in Redis while no worker runs, and the default 60 s requeue wait
    hub, workers = topology(env={"HUB_REQUEUE_AFTER_SECONDS": "60", "HUB_SWEEP_INTERVAL_SECONDS": "1.0"})
    ids = post_many(hub, 20)

    # When Redis loses them all and a worker starts
    redis.Redis.from_url(redis_url).flushall()
    flushed = time.monotonic()
    workers.start()

    # Then the sweeper sees an empty queue and resends them within seconds
    all_delivered(hub, ids, timeout=30)
    assert time.monotonic() - flushed < 20
    assert sim.get("/_sim/stats").json()["received"] == 20
