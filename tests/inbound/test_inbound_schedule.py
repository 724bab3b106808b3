"""The worker polls by itself (HUB_INBOUND_POLL_SECONDS), and the CLI lists sources and received messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from connectors.xoev.xta import XtaClient
from hub.bootstrap import HubContext, build
from hub.store.tables import audit_log
from tests.conftest import make_settings
from tests.inbound.inbound_support import SOURCE_ID, closed, fresh_sample, put
from tests.support.cli import HubCli, hub_env
from tests.support.waiting import wait_for


@pytest.fixture
def polling_worker(database_url: str, inbound_region: Path, xta_sim: httpx.Client) -> Iterator[HubContext]:
    settings = make_settings(database_url, inbound_region, inbound_poll_seconds=0.4, inbound_lease_seconds=2.0)
    ctx = build(settings, migrate=True, api=False)
    ctx.start_worker(threads=1)
    yield ctx
    ctx.close()


def test_a_worker_polls_the_box_by_itself(polling_worker: HubContext, portal: XtaClient, xta_sim: httpx.Client) -> None:
    xta_id = put(portal, fresh_sample())

    wait_for(lambda: closed(xta_sim, xta_id), timeout=20, what="the worker's poll to close the message")

    [case] = polling_worker.inbound.recent()
    assert case.external_id == xta_id
    assert case.state == "received"


def test_the_cli_lists_the_sources_and_shows_a_received_case(
    inbound_hub: HubContext, inbound_region: Path, portal: XtaClient, xta_sim: httpx.Client
) -> None:
    cli = HubCli(hub_env(inbound_hub.settings.database_url, inbound_region))
    put(portal, fresh_sample())

    polled = cli.ok("inbound", "poll")
    sources, listed = cli.ok_all(("sources", "list", "--json"), ("inbound", "list", "--json"))

    assert f"{SOURCE_ID}: 1 received, 0 quarantined, 0 already received" in polled
    [source] = json.loads(sources)
    assert source["id"] == SOURCE_ID
    assert source["plugin"] == "xta-msgbox"
    assert source["error"] is None
    assert "dvdv:05562014-gewerbeamt" in source["reads"]
    [case] = json.loads(listed)
    assert case["state"] == "received"
    assert case["messageType"] == "abh.gewerbemeldung.0500"
    shown = cli.ok("inbound", "show", case["id"], "--content")
    assert "state: received" in shown
    assert "<xga:abh.gewerbemeldung.0500" in shown
    with inbound_hub.db.read() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.target)).all()
    assert ("inbound-content-read", case["id"]) in [tuple(a) for a in actions]
