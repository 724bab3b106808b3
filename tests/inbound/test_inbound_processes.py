"""The inbound poll as real ``hub inbound poll`` processes: killed between storing and closing, and two at once.

A process SIGKILLed after it stored a message and before it closed it at the box (its ``close``
held at the simulator, as a slow platform would hold it) leaves the message open; the next
poll, once the dead process's lease has run out, closes it without a second case or delivery. Two processes
polling the same box at the same time store each message once; so do two worker nodes (``hub worker``)
polling an XTA box and a FIT-Connect destination on their schedule. Plus the store's own guard: two
threads recording the same message at once make one row.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import Table, func, select

from connectors.xoev.xta import XtaClient
from hub.bootstrap import HubContext, build
from hub.config import PROJECT_ROOT
from hub.domain.clock import utcnow
from hub.service.inbound import JOB
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from hub.store.inbound import InboundStore, NewInbound
from hub.store.tables import delivery, inbound_message, scheduled_job, submission
from tests.conftest import _truncate, make_settings
from tests.inbound import test_fitconnect_subscriber as fc
from tests.inbound.inbound_support import SOURCE_ID, closed, fresh_sample, put
from tests.support.cli import HubCli, describe, hub_env
from tests.support.fitconnect import schema_catalog
from tests.support.waiting import wait_for


def _env(database_url: str, region: Path, **extra: str) -> dict[str, str]:
    return hub_env(database_url, region, HUB_INBOUND_LEASE_SECONDS="2", HUB_INBOUND_POLL_SECONDS="0", **extra)


def _count(ctx: HubContext, table: Table = inbound_message) -> int:
    with ctx.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_poll_killed_between_storing_and_closing_gives_exactly_one_case(
    inbound_hub: HubContext, inbound_region: Path, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    database_url = inbound_hub.settings.database_url
    xta_id = put(portal, fresh_sample())
    # The platform holds the first close for a minute; the poll waits that long for its answer.
    xta_sim.post("/_sim/faults", json={"operation": "close", "latencyMs": 60_000, "count": 1}).raise_for_status()
    path = inbound_region / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["inbound"][0]["settings"]["timeoutSeconds"] = 90
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    env = _env(database_url, inbound_region)
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "inbound", "poll"], env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for(lambda: _count(inbound_hub) == 1 or process.poll() is not None, timeout=40, what="the stored message")
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert not closed(xta_sim, xta_id)
    [case] = inbound_hub.inbound.recent()
    assert case.closed_at is None

    # The dead process's lease runs out (2 s); then the next poll recognises the message and closes it.
    report = wait_for(lambda: (r := inbound_hub.inbound.poll()) and not r.busy and r, timeout=20, what="the lease")
    assert report
    assert [(s.received, s.duplicates, s.error) for s in report.sources] == [(0, 1, None)]
    assert closed(xta_sim, xta_id)
    [again] = inbound_hub.inbound.recent()
    assert again.id == case.id
    assert again.closed_at is not None
    assert again.state == "received"
    # One case, one submission, one delivery (to the Gewerbe back office), stored with the message.
    assert (_count(inbound_hub, submission), _count(inbound_hub, delivery)) == (1, 1)
    shown = inbound_hub.inbound.show(case.id)
    assert shown is not None
    assert shown.submission_id is not None
    view = inbound_hub.submissions.get(shown.submission_id)
    assert view is not None
    assert [d.destination_id for d in view.deliveries] == ["gladbeck-gewerbe"]


def test_two_processes_polling_the_same_box_store_each_message_once(
    inbound_hub: HubContext, inbound_region: Path, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    ids = [put(portal, fresh_sample()) for _ in range(6)]
    cli = HubCli(_env(inbound_hub.settings.database_url, inbound_region))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: cli.run("inbound", "poll", "--wait", "40"), range(2)))

    for result in results:
        assert result.returncode == 0, describe(result)
    assert all(closed(xta_sim, xta_id) for xta_id in ids)
    stored = inbound_hub.inbound.recent(source_id=SOURCE_ID)
    assert sorted(m.external_id for m in stored) == sorted(ids)
    assert {m.state for m in stored} == {"received"}
    assert all(m.closed_at is not None for m in stored)


def test_two_threads_recording_the_same_message_store_it_once(inbound_hub: HubContext) -> None:
    store = InboundStore(inbound_hub.db)
    new = NewInbound(
        source_id=SOURCE_ID,
        external_id="urn:de:xta:messageid:race",
        municipality="05562014",
        state="received",
        reader="dvdv:05562014-gewerbeamt",
        header={},
        size=1,
        destinations=[],
        message_uuid="6d7bf1c6-8a55-4a43-8c5e-5a0d2f64a001",
        header_uuid="6d7bf1c6-8a55-4a43-8c5e-5a0d2f64a001",
    )

    with ThreadPoolExecutor(max_workers=4) as pool:
        recorded = list(pool.map(lambda _: store.record(new), range(8)))

    assert sum(r.created for r in recorded) == 1
    assert len({r.id for r in recorded}) == 1
    assert _count(inbound_hub) == 1


@pytest.fixture
def two_nodes_region(inbound_region: Path, tmp_path: Path) -> Iterator[tuple[Path, httpx.Client, str]]:
    """The XTA test region plus Gladbeck's Wohngeld destination at a FIT-Connect simulator of its
    own (so the module-scoped one of test_fitconnect_subscriber.py is not shared)."""
    sim = FitConnectSimulator(schema_catalog(), {fc.CLIENT_ID: fc.SECRET})
    destination_id = sim.state.add_destination("Wohngeldstelle Gladbeck", "055620014014", [fc.LEIKA]).destination_id
    with ServerThread(sim) as server, httpx.Client(base_url=server.url, timeout=10) as control:
        keys_file = fc.keys_file_of(control, destination_id, tmp_path / "gladbeck.jwks.json")
        path = inbound_region / "region.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["services"].append(fc.wohngeld_service())
        raw["inbound"].append(fc.fitconnect_source(server.url, destination_id, keys_file))
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        yield inbound_region, control, destination_id


def _start_node(env: dict[str, str], ready_file: Path, log_file: Path) -> subprocess.Popen[bytes]:
    """One node: ``hub worker`` in its own session (so the finalizer can end its whole group)."""
    with log_file.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "hub", "worker", "--processes", "1", "--ready-file", str(ready_file)],
            env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _ready(ready_file: Path) -> bool:
    try:
        return len(json.loads(ready_file.read_text())["workers"]) == 1
    except (OSError, ValueError, KeyError):
        return False


def _last_finished(ctx: HubContext) -> datetime | None:
    with ctx.db.read() as conn:
        found = conn.execute(select(scheduled_job.c.last_finished_at).where(scheduled_job.c.name == JOB)).scalar()
    return found if isinstance(found, datetime) else None


def test_two_worker_nodes_polling_an_xta_box_and_a_fitconnect_destination_take_each_message_once(
    postgres_url: str,
    redis_url: str,
    two_nodes_region: tuple[Path, httpx.Client, str],
    portal: XtaClient,
    xta_sim: httpx.Client,
    tmp_path: Path,
) -> None:
    region, control, destination_id = two_nodes_region
    _truncate(postgres_url)
    ctx = build(make_settings(postgres_url, region, inbound_lease_seconds=2.0), migrate=True, api=False)
    env = {
        **hub_env(postgres_url, region, HUB_INBOUND_LEASE_SECONDS="2", HUB_INBOUND_POLL_SECONDS="0.2"),
        "HUB_BROKER_URL": redis_url,
        "HUB_SCHEMA_PATH": os.environ.get("HUB_SCHEMA_PATH", ""),
        "HUB_LOG_FORMAT": "json",
        "HUB_LOG_LEVEL": "INFO",
        "HUB_WORKER_STOP_SECONDS": "5",
        fc.SECRET_ENV: fc.SECRET,
    }
    nodes = [_start_node(env, tmp_path / f"ready-{n}.json", tmp_path / f"node-{n}.log") for n in range(2)]
    try:
        wait_for(lambda: all(_ready(tmp_path / f"ready-{n}.json") for n in range(2)), timeout=60, what="both nodes")
        # Given both nodes polling, when the box and the destination fill while they poll
        xta_ids = [put(portal, fresh_sample()) for _ in range(5)]
        fc_ids = [fc.send(control, destination_id) for _ in range(5)]

        # Then every message is closed and every submission answered ...
        wait_for(lambda: all(closed(xta_sim, i) for i in xta_ids), timeout=60, what="every XTA message closed")
        wait_for(lambda: set(fc.answers(control)) == set(fc_ids), timeout=60, what="every submission answered")
        done = utcnow()
        # ... and a full pass begun after that finds nothing more to do
        wait_for(lambda: (f := _last_finished(ctx)) is not None and f > done, timeout=30, what="one more pass")
        for node in nodes:
            assert node.poll() is None, "a node ended while polling"
    finally:
        for node in nodes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGTERM)
        for node in nodes:
            try:
                node.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait(timeout=10)

    # Each submission accepted exactly once (the platform's list of posted SETs), none rejected
    posted = [a for a in control.get("/_sim/sender/answers").json() if a["submissionId"] in fc_ids]
    assert sorted(a["submissionId"] for a in posted) == sorted(fc_ids)
    assert {(a["event"], a["verified"]) for a in posted} == {("accept-submission", True)}
    # Each message stored once, as one case: one row per platform id, one submission each
    stored = ctx.inbound.recent(limit=100)
    assert sorted(m.external_id for m in stored) == sorted(xta_ids + fc_ids)
    assert {m.state for m in stored} == {"received"}
    assert all(m.closed_at is not None for m in stored)
    cases = [ctx.inbound.show(m.id) for m in stored]
    submission_ids = [c.submission_id for c in cases if c is not None and c.submission_id is not None]
    assert len(set(submission_ids)) == len(submission_ids) == _count(ctx, submission)
    ctx.close()
