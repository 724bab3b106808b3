"""Fixtures: the DMS simulator and the XTA simulator as real loopback servers, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hub.schemas import SchemaCatalog
from hub.sim.dms import create_dms_app
from hub.sim.kit.server import ServerThread
from hub.sim.xta import create_xta_app
from tests.xta.xta_support import WSDL


@pytest.fixture(scope="session")
def catalog() -> SchemaCatalog:
    return SchemaCatalog.from_env()


@pytest.fixture(scope="session")
def dms_server(catalog: SchemaCatalog) -> Iterator[ServerThread]:
    with ServerThread(create_dms_app(catalog)) as server:
        yield server


@pytest.fixture
def dms(dms_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dms_server.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control
        control.delete("/_sim/faults").raise_for_status()


@pytest.fixture(scope="session")
def xta_server() -> Iterator[ServerThread]:
    assert WSDL.is_file(), f"the official XTA WSDL is expected at {WSDL}"
    with ServerThread(create_xta_app(WSDL)) as server:
        yield server


@pytest.fixture
def xta(xta_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=xta_server.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control
        control.delete("/_sim/faults").raise_for_status()
