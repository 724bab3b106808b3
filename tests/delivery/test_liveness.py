"""Nothing gets stuck: a half-open probe is given back on every path, a deferred delivery keeps its
wake-up, and the circuit state operators see is the true one.

The hub runs with its worker in process against the real back-office simulator; where a database
failure is needed at an exact moment, the store's lease call is made to fail once (the rest is real).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from hub.domain.circuit import CircuitState, shown_state
from hub.domain.clock import utcnow
from hub.sim.kit.server import ServerThread
from hub.store.tables import delivery
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import write_region
from tests.support.waiting import wait_for

DESTINATION = "gladbeck-fachverfahren"


def hub_with(database_url: str, tmp_path: Path, backoffice: ServerThread, **policies: Any) -> RunningHub:
    region = write_region(
        tmp_path / "region",
        backoffice.url,
        retry={"initialSeconds": 0.2, "multiplier": 1, "maxSeconds": 0.2, "jitter": 0, "maxAttempts": 50},
        **policies,
    )
    # The sweeper's lost-nudge pass comes only after 60 s: a delivery that lost its wake-up would wait that long.
    return start_hub(make_settings(database_url, region, requeue_after_seconds=60.0))


@pytest.fixture
def touchy_hub(database_url: str, tmp_path: Path, backoffice: ServerThread, sim: httpx.Client) -> Iterator[RunningHub]:
    running = hub_with(database_url, tmp_path, backoffice, circuit={"failureThreshold": 1, "openSeconds": 1})
    yield running
    stop_hub(running)


def submit(hub: RunningHub) -> str:
    response = hub.api.post("/v1/submissions", json=sample())
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def due_now(hub: RunningHub, delivery_id: str) -> bool:
    """Undo the pause's deferral, as if the worker had leased the delivery just before the pause."""
    with hub.ctx.db.write() as conn:
        conn.execute(update(delivery).where(delivery.c.id == delivery_id).values(next_attempt_at=utcnow()))
    return True


def deferred_beyond(hub: RunningHub, delivery_id: str, *, seconds: float) -> bool:
    with hub.ctx.db.read() as conn:
        row = conn.execute(
            select(delivery.c.state, delivery.c.next_attempt_at).where(delivery.c.id == delivery_id)
        ).one()
    return bool(row.state == "retrying" and row.next_attempt_at > utcnow() + timedelta(seconds=seconds))


def test_a_database_error_during_the_half_open_probe_gives_the_probe_back(
    touchy_hub: RunningHub, sim: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = touchy_hub
    # Given a circuit opened by one failure, and the database failing the probe's lease once
    store = hub.ctx.deliveries
    real_lease_many = store.lease_many
    failures: list[float] = []

    def lease_many(*args: Any, **kwargs: Any) -> Any:
        if hub.ctx.limits.circuit_state(DESTINATION) is not CircuitState.CLOSED and not failures:
            failures.append(time.monotonic())
            raise OperationalError("UPDATE delivery ...", {}, Exception("server closed the connection unexpectedly"))
        return real_lease_many(*args, **kwargs)

    monkeypatch.setattr(store, "lease_many", lease_many)
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 1})
    submission_id = submit(hub)

    # Then after the failed probe the next one goes through: delivered soon, not never
    wait_for(lambda: failures, what="the probe to meet the database error")
    wait_for(lambda: hub.ctx.submissions.get(submission_id).status == "delivered", timeout=10, what="delivered")
    assert hub.ctx.limits.circuit_state(DESTINATION) is CircuitState.CLOSED


def test_a_recovered_lease_that_meets_a_pause_keeps_its_wake_up(
    database_url: str, tmp_path: Path, backoffice: ServerThread, sim: httpx.Client
) -> None:
    hub = hub_with(database_url, tmp_path, backoffice)
    try:
        # Given a delivery whose worker died mid-attempt (leased, never settled), to a paused destination
        hub.ctx.services.operations.pause(DESTINATION, actor="test")
        hub.ctx.controls.invalidate()
        submission_id = submit(hub)
        [d] = hub.ctx.submissions.get(submission_id).deliveries
        wait_for(lambda: due_now(hub, d.id) and hub.ctx.deliveries.lease(d.id, "dead-worker", 0.3), what="a lease")

        # When the sweeper recovers the expired lease, the deliverer meets the pause and defers it
        wait_for(
            lambda: any(e.kind == "attempt" for e in hub.ctx.submissions.events(submission_id)),
            what="the abandoned attempt recorded",
        )
        wait_for(lambda: deferred_beyond(hub, d.id, seconds=10), what="the deliverer to defer it (paused)")
        assert sim.get("/_sim/stats").json()["requests"] == 0

        # Then a resume sends it within seconds: its wake-up was kept (the sweeper's own pass is 60 s away)
        resumed = time.monotonic()
        hub.ctx.services.operations.resume(DESTINATION, actor="test")
        wait_for(lambda: hub.ctx.submissions.get(submission_id).status == "delivered", timeout=10, what="delivered")
        assert time.monotonic() - resumed < 10
        attempts = [e.detail for e in hub.ctx.submissions.events(submission_id) if e.kind == "attempt"]
        assert [a["outcome"] for a in attempts] == ["abandoned", "ok"]
    finally:
        stop_hub(hub)


def test_a_stale_stored_circuit_reads_as_closed_once_its_time_is_over(
    database_url: str, tmp_path: Path, backoffice: ServerThread, sim: httpx.Client
) -> None:
    hub = hub_with(database_url, tmp_path, backoffice)
    try:
        # Given a worker that stored an open circuit and a half-open probe, then crashed
        now = utcnow()
        states = hub.ctx.destination_states
        states.record_circuit(DESTINATION, "open", 5, open_until=now + timedelta(seconds=1))
        states.record_circuit("herten-fachverfahren", "half_open", 5, probe_until=now + timedelta(seconds=1))
        assert states.all()[DESTINATION].circuit_state == "open"
        assert states.all()["herten-fachverfahren"].circuit_state == "half_open"

        # Then once their time is over, operators (API, metrics) see them closed
        wait_for(lambda: states.all()[DESTINATION].circuit_state == "closed", timeout=5, what="open expired")
        assert states.all()["herten-fachverfahren"].circuit_state == "closed"
        with hub.client(hub.operator_key) as api:
            shown = {d["id"]: d["circuit"] for d in api.get("/v1/operator/destinations").json()}
        assert shown[DESTINATION] == "closed"
    finally:
        stop_hub(hub)


def test_shown_state_rules() -> None:
    now = utcnow()
    later, earlier = now + timedelta(seconds=1), now - timedelta(seconds=1)
    assert shown_state("open", later, None, now) is CircuitState.OPEN
    assert shown_state("open", earlier, None, now) is CircuitState.CLOSED
    assert shown_state("open", None, None, now) is CircuitState.CLOSED  # written before open periods were kept
    assert shown_state("half_open", None, later, now) is CircuitState.HALF_OPEN
    assert shown_state("half_open", None, earlier, now) is CircuitState.CLOSED
    assert shown_state("closed", later, later, now) is CircuitState.CLOSED
