"""xdomea over XTA 2 end to end: portal → hub → xdomea message with its files → the XTA simulator."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.schemas import SchemaCatalog
from hub.sim.kit.server import ServerThread
from hub.xml import parse_xml
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import attachment
from tests.support.region import GLADBECK
from tests.support.waiting import wait_for
from tests.xdomea.xdomea_support import X, dms_settings, sample, write_dms_region

PDF = b"%PDF-1.5\n" + bytes(range(256)) * 32
OTHER_PDF = b"%PDF-1.5\n" + bytes(reversed(range(256))) * 32  # same name, other bytes


@pytest.fixture
def hub(tmp_path: Path, backoffice: ServerThread, xta_server: ServerThread) -> Iterator[RunningHub]:
    settings = dms_settings(
        "xta",
        baseUrl=f"{xta_server.url}/xta",
        account={"identifier": "dvdv:05562000-integrationshub", "name": "Integrationshub Emscher-Lippe"},
        leaseSeconds=60,
    )
    region = write_dms_region(tmp_path / "region", backoffice.url, settings)
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region))
    yield running
    stop_hub(running)


def test_an_application_arrives_over_xta_as_valid_xdomea_with_its_files(
    hub: RunningHub, xta: httpx.Client, catalog: SchemaCatalog
) -> None:
    # Given Gladbeck's DMS reached through an XTA server
    envelope: dict[str, Any] = sample("hundesteuer-anmeldung")
    envelope["attachments"] = [attachment(PDF, "impfpass.pdf"), attachment(OTHER_PDF, "impfpass.pdf")]

    # When a Hundesteuer application with two files of the same name is posted
    answer = hub.api.post("/v1/submissions", json=envelope)
    assert answer.status_code == 202, answer.text
    submission_id = answer.json()["id"]

    # Then it is delivered with a green transport report
    def delivered() -> dict[str, Any] | None:
        body: dict[str, Any] = hub.api.get(f"/v1/submissions/{submission_id}").json()
        return body if body["status"] == "delivered" else None

    status = wait_for(delivered, timeout=20, what="delivered")
    assert status is not None
    (delivery,) = status["deliveries"]
    assert delivery["receipt"]["reportStatus"] == "GREEN"

    # And the XTA server holds one xdomea 3.1.0 message for the DMS that the official XSD accepts
    (stored,) = xta.get("/_sim/messages").json()
    assert stored["reader"] == f"dms:{GLADBECK}"
    root = parse_xml(base64.b64decode(stored["message"]["data"]))
    assert catalog.validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []
    assert root.findtext(f"{X}Kopf/{X}Nachrichtentyp/code") == "0605"

    # with both files as attachments, byte for byte, named as the message's Dokumente name them
    names = [d.findtext(f".//{X}Dateiname") for d in root.findall(f".//{X}Vorgang/{X}Dokument")]
    files = {a["attributes"]["filename"]: base64.b64decode(a["data"]) for a in stored["attachments"]}
    assert len(set(names)) == 2
    assert files == dict(zip(names, (PDF, OTHER_PDF), strict=True))
