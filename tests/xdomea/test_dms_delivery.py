"""xdomea over HTTP end to end: portal → hub → xdomea ZIP container → the DMS simulator.

The hub runs the test region with a ``fachverfahren-xdomea`` destination (``transport: http``) per
town; the DMS simulator unpacks every container, validates the message against the official
xdomea 3.1.0 XSD and checks each file against the message before filing it.
"""

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
from tests.support.waiting import wait_status
from tests.xdomea.xdomea_support import X, dms_settings, sample, sha256, write_dms_region

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
PHOTO = b"\xff\xd8\xff\xe0" + bytes(reversed(range(256))) * 16


@pytest.fixture
def hub(database_url: str, tmp_path: Path, backoffice: ServerThread, dms_server: ServerThread) -> Iterator[RunningHub]:
    url = f"{dms_server.url}/dms/{{slug}}/xdomea"
    region = write_dms_region(tmp_path / "region", backoffice.url, dms_settings("http", url=url))
    running = start_hub(make_settings(database_url, region))
    yield running
    stop_hub(running)


def application() -> dict[str, Any]:
    envelope = sample("sperrmuell")
    photo = attachment(PHOTO, "Sperrmüll Foto 1.jpg")
    photo["mediaType"] = "image/jpeg"
    envelope["attachments"] = [attachment(PDF, "vollmacht.pdf"), photo]
    return envelope


def filed(dms: httpx.Client) -> list[dict[str, Any]]:
    answer = dms.get("/_sim/messages")
    answer.raise_for_status()
    messages: list[dict[str, Any]] = answer.json()
    return messages


def test_an_application_with_files_is_filed_in_the_dms_byte_for_byte(
    hub: RunningHub, dms: httpx.Client, catalog: SchemaCatalog
) -> None:
    # Given Gladbeck's DMS, reached over HTTP
    # When a Sperrmüll application with a PDF and a photo is posted
    answer = hub.api.post("/v1/submissions", json=application())
    assert answer.status_code == 202, answer.text
    submission_id = answer.json()["id"]

    # Then it is delivered once, with the DMS's Aktenzeichen as the receipt
    (delivery,) = wait_status(hub, submission_id, "delivered")["deliveries"]
    assert delivery["destination"] == "gladbeck-dms"
    assert delivery["attempts"] == 1
    assert delivery["receipt"]["reference"].startswith("GLADBECK-")

    # And the DMS filed one valid xdomea 3.1.0 message for this submission, keyed by the message id
    (message,) = filed(dms)
    assert message["system"] == "gladbeck"
    assert message["messageId"] == delivery["messageId"]
    assert message["messageName"] == f"{delivery['messageId']}_FVDaten.SGOAblegen.0605.xml"
    root = parse_xml(message["xml"].encode())
    assert catalog.validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []
    assert root.findtext(f".//{X}FachverfahrenObjektID") == submission_id
    assert root.findtext(f"{X}Kopf/{X}ProzessID") == delivery["messageId"]

    # with both files, byte-identical, under the names the message gives them, hashes intact
    documents = root.findall(f".//{X}Vorgang/{X}Dokument")
    names = [d.findtext(f".//{X}Dateiname") for d in documents]
    originals = [d.findtext(f".//{X}DateinameOriginal") for d in documents]
    assert originals == ["vollmacht.pdf", "Sperrmüll Foto 1.jpg"]
    files = {f["name"]: f for f in message["files"]}
    assert list(files) == names
    for name, content in zip(names, (PDF, PHOTO), strict=True):
        assert base64.b64decode(files[name]["data"]) == content
        assert files[name]["sha256"] == sha256(content)


def test_a_dms_outage_is_retried_and_the_message_filed_once(hub: RunningHub, dms: httpx.Client) -> None:
    # Given a DMS that answers the next request with 503
    dms.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 1}).raise_for_status()

    # When an application is posted
    answer = hub.api.post("/v1/submissions", json=application())
    assert answer.status_code == 202, answer.text

    # Then the second attempt delivers it, and the DMS holds it once
    (delivery,) = wait_status(hub, answer.json()["id"], "delivered")["deliveries"]
    assert delivery["attempts"] == 2
    (message,) = filed(dms)
    assert len(message["files"]) == 2


def test_a_refusal_by_the_dms_makes_the_delivery_dead_with_its_reason(hub: RunningHub, dms: httpx.Client) -> None:
    # Given a DMS that refuses the next message
    dms.post(
        "/_sim/faults", json={"mode": "status", "status": 400, "count": 1, "reason": "Aktenplan unbekannt"}
    ).raise_for_status()

    # When an application is posted
    answer = hub.api.post("/v1/submissions", json=application())
    assert answer.status_code == 202, answer.text

    # Then it is dead after one attempt with the DMS's reason, and nothing was filed
    (delivery,) = wait_status(hub, answer.json()["id"], "failed")["deliveries"]
    assert delivery["state"] == "dead"
    assert delivery["attempts"] == 1
    assert "Aktenplan unbekannt" in delivery["lastError"]
    assert filed(dms) == []
