"""A trickling receiver never stalls the others, and no delivery is ever in flight twice at once.

Real HTTP back-office simulator, the real worker (8 delivery threads) in the hub process. Gladbeck's
back office answers one byte every half second (each read is quick, the answer never ends);
Herten's is healthy. Each attempt has a 2 s deadline.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import GLADBECK, HERTEN, write_region
from tests.support.waiting import wait_for

DEADLINE_SECONDS = 2.0
HEALTHY_BOUND_SECONDS = 1.5
"""Accepted to delivered for Herten, trickle or not. A Herten delivery that had to wait for a
thread held by a trickling attempt would take at least the 2 s deadline."""


@pytest.fixture
def isolated_hub(
    database_url: str, tmp_path: Path, backoffice: ServerThread, sim: httpx.Client
) -> Iterator[RunningHub]:
    region = write_region(
        tmp_path / "region",
        backoffice.url,
        timeout_seconds=5,
        attempt_deadline_seconds=DEADLINE_SECONDS,
        retry={"initialSeconds": 0.5, "multiplier": 1, "maxSeconds": 1, "jitter": 0, "maxAttempts": 10},
    )
    running = start_hub(make_settings(database_url, region, worker_threads=8))
    yield running
    stop_hub(running)


def post(hub: RunningHub, key: str, municipality: str) -> tuple[str, float]:
    body = sample(municipality=municipality)
    with hub.client(key) as client:
        response = client.post("/v1/submissions", json=body)
    assert response.status_code == 202, response.text
    return response.json()["id"], time.monotonic()


def delivered_after(hub: RunningHub, submission_id: str, accepted_at: float) -> float:
    """Seconds from acceptance until the submission reads delivered (polled every 20 ms)."""
    wait_for(
        lambda: hub.ctx.submissions.get(submission_id).status == "delivered",
        timeout=30,
        interval=0.02,
        what=f"{submission_id} delivered",
    )
    return time.monotonic() - accepted_at


def attempts_of(hub: RunningHub, submission_id: str) -> list[dict[str, Any]]:
    return [e.detail for e in hub.ctx.submissions.events(submission_id) if e.kind == "attempt"]


def test_a_trickling_receiver_neither_stalls_healthy_deliveries_nor_runs_an_attempt_twice(
    isolated_hub: RunningHub, sim: httpx.Client
) -> None:
    hub = isolated_hub
    # Given Gladbeck's back office trickles its next ten answers, one byte every 500 ms
    sim.post("/_sim/faults", json={"mode": "trickle", "intervalMs": 500, "system": "gladbeck", "count": 10})

    # When ten Gladbeck deliveries start, and then Herten submissions stream in
    trickling = [post(hub, hub.gladbeck_key, GLADBECK)[0] for _ in range(10)]
    wait_for(lambda: sim.get("/_sim/stats").json()["answering"] >= 2, what="trickling attempts under way")
    healthy = [post(hub, hub.herten_key, HERTEN) for _ in range(20)]

    # Then every Herten delivery keeps its normal latency, below the bound
    latencies = [delivered_after(hub, sid, at) for sid, at in healthy]
    assert max(latencies) < HEALTHY_BOUND_SECONDS, sorted(latencies)

    # And the trickling deliveries were cut at their deadline, recorded, retried and delivered
    for sid in trickling:
        wait_for(lambda sid=sid: hub.ctx.submissions.get(sid).status == "delivered", timeout=60, what="retried")
    first_attempts = [attempts_of(hub, sid)[0] for sid in trickling]
    timed_out = [a for a in first_attempts if a["outcome"] == "transient" and "deadline" in a.get("error", "")]
    assert len(timed_out) >= 8, first_attempts  # a late start may find the fault used up
    for a in timed_out:
        assert DEADLINE_SECONDS * 1000 * 0.9 <= a["durationMs"] < DEADLINE_SECONDS * 1000 + 2500, a

    # And no delivery was ever in flight twice at once: not in the hub's record, not at the receiver
    for sid in trickling:
        spans = sorted(
            (datetime.fromisoformat(a["startedAt"]), timedelta(milliseconds=a.get("durationMs", 0)))
            for a in attempts_of(hub, sid)
        )
        for (start, took), (next_start, _) in itertools.pairwise(spans):
            assert start + took <= next_start, (sid, spans)
    assert sim.get("/_sim/stats").json()["parallel"] == 0
    # the trickling receiver held at most its share of the worker's threads
    assert sim.get("/_sim/stats").json()["peakOpenBySystem"]["gladbeck"] <= 4
