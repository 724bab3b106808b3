"""The inbound poll as real ``hub inbound poll`` processes: killed between storing and closing, and two at once.

A process SIGKILLed after it stored a message and before it closed it at the box (its ``close``
held at the simulator, as a slow platform would hold it) leaves the message open; the next
poll, once the dead process's lease has run out, closes it without a second case or delivery. Two processes
polling the same box at the same time store each message once. Plus the store's own guard: two
threads recording the same message at once make one row.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml
from sqlalchemy import Table, func, select

from connectors.xoev.xta import XtaClient
from hub.bootstrap import HubContext
from hub.config import PROJECT_ROOT
from hub.store.inbound import InboundStore, NewInbound
from hub.store.tables import delivery, inbound_message, submission
from tests.inbound.inbound_support import SOURCE_ID, closed, fresh_sample, put
from tests.support.cli import HubCli, describe, hub_env
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
