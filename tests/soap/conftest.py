"""Fixtures: the SOAP vendor simulator on a loopback port, and hubs whose destinations are SOAP.

Each hub gets a region config of its own (``tests.support.region``) whose destination template is
turned into a ``fachverfahren-soap`` destination; the sample WSDL and XSD are copied into that
config folder, so ``wsdlFile`` is the relative path an IT provider would write.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.sim.kit.server import ServerThread
from hub.sim.soap_vendor import DEFAULT_WSDL, create_soap_vendor_app
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.region import write_region

STANDARD = "fachverfahren-soap-json"
WSDL_FILE = "wsdl/hundesteuer-fachverfahren.wsdl"


@pytest.fixture(scope="session")
def vendor() -> Iterator[ServerThread]:
    with ServerThread(create_soap_vendor_app()) as server:
        yield server


@pytest.fixture
def vendor_sim(vendor: ServerThread) -> Iterator[httpx.Client]:
    """The simulator's control API, with requests and fault rules cleared before and after the test."""
    with httpx.Client(base_url=vendor.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control
        control.delete("/_sim/faults").raise_for_status()


def soap_settings(vendor_url: str, **changes: Any) -> dict[str, Any]:
    """A ``fachverfahren-soap`` destination template as an IT provider writes it in region.yaml."""
    return {
        "wsdlFile": WSDL_FILE,
        "port": "HundesteuerSoap11",
        "operation": "VorgangAnlegen",
        "address": f"{vendor_url}/systems/{{slug}}/soap",
        "messageIdParameter": "/NachrichtId",
        "receiptPath": "string(tns:VorgangAnlegenAntwort/tns:Vorgangsnummer)",
        "timeoutSeconds": 5,
        **changes,
    }


def soap_region(directory: Path, settings: dict[str, Any], **region_options: Any) -> Path:
    """The test region (Gladbeck, Herten) with its destination template made a SOAP destination."""
    region = write_region(directory, "http://127.0.0.1:9/unused", **region_options)
    (region / "wsdl").mkdir()
    for file in DEFAULT_WSDL.parent.iterdir():
        shutil.copy(file, region / "wsdl" / file.name)
    path = region / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (template,) = document["destinationTemplates"]
    template.update(connector="fachverfahren-soap", standard=STANDARD, settings=settings)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return region


SoapHub = Callable[..., RunningHub]


@pytest.fixture
def soap_hub(tmp_path: Path, vendor: ServerThread, vendor_sim: httpx.Client) -> Iterator[SoapHub]:
    """Starts a hub on SQLite (or the given database) whose destinations call the vendor simulator.

    ``soap_hub(database_url=None, region_options=None, **setting_changes)``; stopped after the test.
    """
    started: list[RunningHub] = []

    def start(
        database_url: str | None = None, region_options: dict[str, Any] | None = None, **changes: Any
    ) -> RunningHub:
        url = database_url or f"sqlite:///{tmp_path / f'hub{len(started)}.db'}"
        settings = soap_settings(vendor.url, **changes)
        region = soap_region(tmp_path / f"region{len(started)}", settings, **(region_options or {}))
        running = start_hub(make_settings(url, region))
        started.append(running)
        return running

    yield start
    for running in started:
        stop_hub(running)
