"""Production topology: PostgreSQL, Redis broker, separate ``hub worker`` processes that get killed.

These are the promises of the spine: a worker killed with SIGKILL mid-delivery and a Redis
FLUSHALL lose nothing, and the receiver still holds exactly one copy of each message.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, _truncate, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import write_region
from tests.support.waiting import wait_for
from tests.support.workers import Workers, worker_env


@pytest.fixture
def production(
    postgres_url: str, redis_url: str, tmp_path: Path, backoffice: ServerThread, sim: httpx.Client
) -> Iterator[tuple[RunningHub, Workers]]:
    _truncate(postgres_url)
    redis.Redis.from_url(redis_url).flushdb()
    region = write_region(
        tmp_path / "region",
        backoffice.url,
        timeout_seconds=10,
        retry={"initialSeconds": 0.3, "multiplier": 2, "maxSeconds": 2, "jitter": 0.1, "maxAttempts": 20},
    )
    overrides: dict[str, Any] = {
        "broker_url": redis_url,
        "requeue_after_seconds": 2.0,
        "sweep_interval_seconds": 0.3,
        "lease_seconds": 3.0,
    }
    settings = make_settings(postgres_url, region, **overrides)
    api = start_hub(settings, run_worker=False)
    env = worker_env(postgres_url, redis_url, region, HUB_LEASE_SECONDS="3")
    workers = Workers(env, tmp_path)
    yield api, workers
    workers.stop_all()
    stop_hub(api)


def statuses(hub: RunningHub, ids: list[str]) -> list[str]:
    return [hub.api.get(f"/v1/submissions/{i}").json()["status"] for i in ids]


def test_worker_killed_mid_delivery_completes_after_restart_with_one_copy(
    production: tuple[RunningHub, Workers], sim: httpx.Client
) -> None:
    hub, workers = production
    # Given a receiver that stores the next message and then takes 5 s to answer
    sim.post("/_sim/faults", json={"mode": "latency", "latencyMs": 5000, "recordFirst": True, "count": 1})
    worker = workers.start()

    # When a submission is being delivered and the worker is killed with SIGKILL meanwhile
    submission_id = hub.api.post("/v1/submissions", json=sample()).json()["id"]
    wait_for(lambda: sim.get("/_sim/stats").json()["received"] == 1, what="the receiver to store the message")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert hub.api.get(f"/v1/submissions/{submission_id}").json()["deliveries"][0]["state"] == "in_flight"

    # And a worker is started again
    workers.start()

    # Then after the lease expires the delivery completes, and the receiver holds exactly one copy
    status = wait_for(
        lambda: (s := hub.api.get(f"/v1/submissions/{submission_id}").json())["status"] == "delivered" and s,
        timeout=30,
        what="delivery after restart",
    )
    assert status["deliveries"][0]["attempts"] == 2
    assert status["deliveries"][0]["receipt"]["duplicate"] is True
    assert len(sim.get("/_sim/messages").json()) == 1
    assert sim.get("/_sim/stats").json()["duplicates"] == 1


def test_flushall_while_deliveries_are_pending_loses_nothing(
    production: tuple[RunningHub, Workers], sim: httpx.Client, redis_url: str
) -> None:
    hub, workers = production
    # Given 30 submissions queued in Redis and scheduled retries (the receiver fails its next 10 calls)
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 10})
    workers.start()
    ids = [hub.api.post("/v1/submissions", json=sample()).json()["id"] for _ in range(30)]
    wait_for(lambda: sim.get("/_sim/stats").json()["faulted"] >= 10, what="some failed attempts")
    workers.stop_all()
    ids += [hub.api.post("/v1/submissions", json=sample()).json()["id"] for _ in range(20)]
    queued = redis.Redis.from_url(redis_url).keys("hub:*")
    assert queued, "the broker should hold queued messages before the flush"

    # When Redis is flushed and a worker runs again
    redis.Redis.from_url(redis_url).flushall()
    workers.start()

    # Then every submission is delivered exactly once
    wait_for(lambda: set(statuses(hub, ids)) == {"delivered"}, timeout=60, what="all delivered")
    messages = sim.get("/_sim/messages").json()
    assert len(messages) == 50
    assert len({m["messageId"] for m in messages}) == 50
