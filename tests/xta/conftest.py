"""Fixtures: the XTA simulator on a real loopback port, and clients for a sender and a reader.

The WSDL and schemas are read once per session from the shared standards folder (never copied
into the project); each test starts with an empty simulator and no fault rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.xoev.xta import KeyCode, XtaClient, XtaMetadata
from hub.sim.kit.server import ServerThread
from hub.sim.xta import create_xta_app
from tests.xta.xta_support import GLADBECK, HERTEN, WSDL, settings_for


@pytest.fixture(scope="session")
def wsdl_path() -> Path:
    assert WSDL.is_file(), f"the official XTA WSDL is expected at {WSDL}"
    return WSDL


@pytest.fixture(scope="session")
def xta_server(wsdl_path: Path) -> Iterator[ServerThread]:
    with ServerThread(create_xta_app(wsdl_path)) as server:
        yield server


@pytest.fixture
def sim(xta_server: ServerThread) -> Iterator[httpx.Client]:
    """The simulator's control API, reset before and after the test."""
    with httpx.Client(base_url=xta_server.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control
        control.delete("/_sim/faults").raise_for_status()


@pytest.fixture
def sender(wsdl_path: Path, xta_server: ServerThread, sim: httpx.Client) -> Iterator[XtaClient]:
    with XtaClient(settings_for(wsdl_path, xta_server.url, GLADBECK)) as client:
        yield client


@pytest.fixture
def reader(wsdl_path: Path, xta_server: ServerThread, sim: httpx.Client) -> Iterator[XtaClient]:
    with XtaClient(settings_for(wsdl_path, xta_server.url, HERTEN)) as client:
        yield client


@pytest.fixture
def metadata() -> XtaMetadata:
    """A Gladbeck-to-Herten message of a defined business scenario."""
    return XtaMetadata(
        author=GLADBECK,
        reader=HERTEN,
        service="http://www.xoev.de/hundesteuer/anmeldung/1.0",
        business_scenario=KeyCode("XHUNDESTEUER_DATA", "urn:de:dataport:codeliste:business.scenario", "1"),
        message_type=KeyCode("hundesteuer.anmeldung.0100", "urn:de:xhundesteuer:codeliste:nachrichten", "1.0"),
        payload_schema="urn:de:xhundesteuer:schema:1.0",
        subject="Hundesteuer-Anmeldung GLA-2026-000123",
    )
