"""Pausing, resuming and resetting the circuit of a destination, persisted for every worker process.

The controls are written through a store on its own database connection (as the console or the
CLI in another process would) and honoured by a running hub's worker and sweeper.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.store.db import Database
from hub.store.destination_states import DestinationStateStore
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import write_region
from tests.support.waiting import wait_for

DESTINATION = "gladbeck-fachverfahren"


@pytest.fixture
def other_process(database_url: str) -> Iterator[DestinationStateStore]:
    """The destination controls as another process sees them: its own engine on the same database."""
    db = Database(database_url)
    yield DestinationStateStore(db)
    db.dispose()


def submit(hub: RunningHub) -> str:
    answer = hub.api.post("/v1/submissions", json=sample())
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def test_paused_deliveries_wait_unattempted_and_drain_on_resume(
    hub: RunningHub, sim: httpx.Client, other_process: DestinationStateStore
) -> None:
    # Given a destination paused by another process
    other_process.pause(DESTINATION, by="console:anna")

    # When three submissions arrive and the sweeper has had several passes
    ids = [submit(hub) for _ in range(3)]
    time.sleep(2.5)

    # Then they wait as pending backlog: not attempted, not dead, and the back office got nothing
    rows = hub.ctx.services.queries.deliveries(destination=DESTINATION)
    assert sorted(r.state for r in rows) == ["pending"] * 3
    assert [r.attempts for r in rows] == [0, 0, 0]
    assert sim.get("/_sim/messages").json() == []

    # When it is resumed (in another process, leaving the deliveries to the hub's sweeper)
    backlog, _ = other_process.resume(DESTINATION, for_sweeper=True)

    # Then the backlog drains, each delivered on its first attempt
    assert len(backlog) == 3
    wait_for(lambda: all(hub.ctx.submissions.get(i).status == "delivered" for i in ids), what="drained backlog")
    assert all(r.attempts == 1 for r in hub.ctx.services.queries.deliveries(destination=DESTINATION))
    assert len(sim.get("/_sim/messages").json()) == 3


@pytest.fixture
def touchy_hub(database_url: str, tmp_path: Path, backoffice: object, sim: httpx.Client) -> Iterator[RunningHub]:
    """A hub whose circuit opens at the first failure and would stay open for a minute."""
    region = write_region(
        tmp_path / "touchy",
        sim.base_url.__str__().rstrip("/"),
        circuit={"failureThreshold": 1, "openSeconds": 60},
    )
    running = start_hub(make_settings(database_url, region))
    yield running
    stop_hub(running)


def test_a_reset_circuit_request_closes_the_breaker_and_the_backlog_goes_out(
    touchy_hub: RunningHub, sim: httpx.Client, other_process: DestinationStateStore
) -> None:
    # Given a receiver whose one failure opened the circuit for 60 s
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 1})
    submission_id = submit(touchy_hub)
    wait_for(
        lambda: touchy_hub.ctx.limits.circuit_state(DESTINATION).value == "open",
        what="open circuit",
    )
    time.sleep(0.5)
    assert touchy_hub.ctx.submissions.get(submission_id).status != "delivered"

    # When another process asks for a reset
    other_process.request_circuit_reset(DESTINATION, by="console:anna", for_sweeper=True)

    # Then the worker honours it: the breaker closes and the delivery goes out long before 60 s
    wait_for(lambda: touchy_hub.ctx.submissions.get(submission_id).status == "delivered", timeout=8, what="delivered")
    assert touchy_hub.ctx.limits.circuit_state(DESTINATION).value == "closed"
    assert touchy_hub.ctx.destination_states.all()[DESTINATION].circuit_state == "closed"


def test_pause_resume_and_reset_through_the_use_cases_are_audited(hub: RunningHub) -> None:
    # When an operator pauses, resumes and resets a destination
    hub.ctx.services.operations.pause(DESTINATION, actor="cli:anna")
    paused = hub.ctx.controls.is_paused(DESTINATION)
    hub.ctx.services.operations.resume(DESTINATION, actor="cli:anna")
    hub.ctx.services.operations.reset_circuit(DESTINATION, actor="cli:anna")

    # Then the pause was visible at once in this process, and every step is in the audit log
    assert paused
    assert not hub.ctx.controls.is_paused(DESTINATION)
    assert [(e.action, e.target) for e in hub.ctx.audit.list()] == [
        ("reset_circuit", DESTINATION),
        ("resume", DESTINATION),
        ("pause", DESTINATION),
    ]
