"""Fixtures of the inbound tests: the XTA 2 simulator on a real loopback port, a region whose
Gladbeck Gewerbeamt box the hub reads, the hub built on it, and a sender that fills the box as
Gewerbeserviceportal.NRW would. A second XTA simulator is the town's Gewerbe back office
(``gladbeck-gewerbe``), to which the received cases are delivered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from connectors.xoev.xta import XtaClient
from hub.bootstrap import HubContext, build
from hub.sim.kit.server import ServerThread
from hub.sim.xta import create_xta_app
from tests.conftest import make_settings
from tests.inbound.inbound_support import PORTAL, SOURCE_ID, gewerbe_template, inbound_section
from tests.support.region import write_region
from tests.xta.xta_support import WSDL, settings_for


@pytest.fixture(scope="session")
def xta_server() -> Iterator[ServerThread]:
    assert WSDL.is_file(), f"the official XTA WSDL is expected at {WSDL}"
    with ServerThread(create_xta_app(WSDL)) as server:
        yield server


@pytest.fixture(scope="session")
def backoffice_xta_server() -> Iterator[ServerThread]:
    """The Gewerbe back office's XTA server: it stores what the hub delivers to it."""
    with ServerThread(create_xta_app(WSDL)) as server:
        yield server


@pytest.fixture
def backoffice_xta(backoffice_xta_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backoffice_xta_server.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control
        control.delete("/_sim/faults").raise_for_status()


@pytest.fixture
def xta_sim(xta_server: ServerThread) -> Iterator[httpx.Client]:
    """The simulator's control API: no messages nor fault rules before and after the test."""
    with httpx.Client(base_url=xta_server.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control
        control.delete("/_sim/faults").raise_for_status()


@pytest.fixture
def portal(xta_server: ServerThread, xta_sim: httpx.Client) -> Iterator[XtaClient]:
    """Gewerbeserviceportal.NRW's XTA account: it sends into the Gewerbeamt's box."""
    with XtaClient(settings_for(WSDL, xta_server.url, PORTAL)) as client:
        yield client


@pytest.fixture
def inbound_region(tmp_path: Path, xta_server: ServerThread, backoffice_xta_server: ServerThread) -> Path:
    """The test region (Gladbeck, Herten) plus an ``inbound:`` section for Gladbeck's Gewerbeamt box
    and the towns' Gewerbe back offices (``{slug}-gewerbe``) on the second XTA simulator."""
    directory = write_region(tmp_path / "region", "http://127.0.0.1:9")
    path = directory / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["destinationTemplates"].append(gewerbe_template(backoffice_xta_server.url))
    raw["inbound"] = inbound_section(xta_server.url)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.fixture
def inbound_hub(database_url: str, inbound_region: Path, xta_sim: httpx.Client) -> Iterator[HubContext]:
    """The hub (no worker) on the test's database, migrated; its ``inbound`` polls the simulator."""
    ctx = build(make_settings(database_url, inbound_region, inbound_lease_seconds=2.0), migrate=True, api=False)
    assert SOURCE_ID in ctx.region.inbound
    yield ctx
    ctx.close()
