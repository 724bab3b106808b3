"""The Bauantrag end to end: portal → hub → XBau 2.6 over XTA 2 → the Bauportal.NRW simulator.

The hub runs on the region's real configuration (``config/emscher-lippe``: the ``bauportal-nrw``
destinations and their routes, ``mappings/bauantrag.xbau-2.6.yaml``), with the official XBau and XTA
schema sets from ``HUB_SCHEMA_PATH``; only the XTA server's address and, for the retry test, the
retry delay are changed. What arrives at the simulator is checked against the official XSD and
Schematron again, independently of the hub's own check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree

from hub.config import PROJECT_ROOT
from hub.schemas import SchemaCatalog
from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import attachment
from tests.support.region import GLADBECK
from tests.support.rows import row_counts
from tests.support.waiting import wait_status

SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "bauantrag.json"
XBAU = "http://www.xleitstelle.de/xbau/2/6"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def bauantrag(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    envelope["attachments"] = [attachment(PDF, "bauvorlageberechtigung.pdf")]
    envelope.update(changes)
    return envelope


def region_copy(directory: Path) -> Path:
    """The real region config, with the Bauportal retry delay shortened so a retry test takes a second."""
    target = directory / "emscher-lippe"
    shutil.copytree(PROJECT_ROOT / "config" / "emscher-lippe", target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (bauportal,) = [t for t in document["destinationTemplates"] if t["id"] == "{slug}-bauportal"]
    bauportal["retry"].update(initialSeconds=0.2, maxSeconds=1, jitter=0)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture
def hub(
    tmp_path: Path, xta_server: ServerThread, sim: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningHub]:
    monkeypatch.setenv("HUB_BAUPORTAL_XTA_URL", f"{xta_server.url}/xta")
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region_copy(tmp_path)))
    yield running
    stop_hub(running)


@pytest.fixture(scope="module")
def catalog() -> SchemaCatalog:
    return SchemaCatalog.from_env()


def stored_messages(sim: httpx.Client) -> list[dict[str, Any]]:
    answer = sim.get("/_sim/messages")
    answer.raise_for_status()
    messages: list[dict[str, Any]] = answer.json()
    return messages


def test_a_bauantrag_with_a_pdf_arrives_as_valid_xbau_with_its_attachment_and_a_green_report(
    hub: RunningHub, sim: httpx.Client, catalog: SchemaCatalog
) -> None:
    # Given the region's Bauportal destination for Gladbeck, served by the XTA simulator
    # When a Bauantrag with a PDF is posted
    answer = hub.api.post("/v1/submissions", json=bauantrag())
    assert answer.status_code == 202, answer.text
    submission_id = answer.json()["id"]

    # Then it is delivered once, with a green transport report
    (delivery,) = wait_status(hub, submission_id, "delivered")["deliveries"]
    assert delivery["destination"] == "gladbeck-bauportal"
    assert delivery["attempts"] == 1
    assert delivery["receipt"]["reportStatus"] == "GREEN"

    # And the simulator holds one XBau 2.6 baugenehmigung.antrag.0200 for Gladbeck's building authority
    (stored,) = stored_messages(sim)
    assert stored["reader"] == f"bau:{GLADBECK}"
    assert stored["report"] == "GREEN"
    body = base64.b64decode(stored["message"]["data"])
    root = etree.fromstring(body)
    assert root.tag == f"{{{XBAU}}}baugenehmigung.antrag.0200"

    # which the official XSD and Schematron accept
    assert catalog.validator("xbau-2.6", "xsd/xbau-nachrichten-baugenehmigung.xsd").validate(root) == []
    rules = catalog.schematron("xbau-2.6")
    assert rules is not None
    assert rules.validate(root) == []

    # with the XÖV header from the destination's config and the hub's ids
    head = root.find("nachrichtenkopf.g2g")
    assert head is not None
    assert head.findtext("identifikation.nachricht/nachrichtenUUID") == delivery["messageId"]
    assert head.findtext("leser/kennung") == f"bau:{GLADBECK}"
    assert head.findtext("autor/kennung") == f"psw:{GLADBECK}"
    assert root.findtext(f"{{{XBAU}}}referenzAntragsservice/referenzAntragsservice") == submission_id

    # and its attachment, byte for byte, named as the message's Anlage names it
    (file,) = stored["attachments"]
    content = base64.b64decode(file["data"])
    assert content == PDF
    assert hashlib.sha256(content).hexdigest() == hashlib.sha256(PDF).hexdigest()
    assert file["attributes"]["filename"] == "bauvorlageberechtigung.pdf"
    assert file["attributes"]["contentType"] == "application/pdf"
    assert root.findtext(".//anlage/anhangOderVerlinkung/anhang/dateiname") == "bauvorlageberechtigung.pdf"


def test_technical_problem_is_retried_and_then_delivered(hub: RunningHub, sim: httpx.Client) -> None:
    # Given an XTA server that answers the next send with a TechnicalProblem fault
    sim.post(
        "/_sim/faults", json={"operation": "sendMessage", "fault": "TechnicalProblem", "reason": "Wartung", "count": 1}
    ).raise_for_status()

    # When a Bauantrag is posted
    answer = hub.api.post("/v1/submissions", json=bauantrag())
    assert answer.status_code == 202, answer.text

    # Then the delivery is retried and delivered on the second attempt, the same message once at the server
    (delivery,) = wait_status(hub, answer.json()["id"], "delivered")["deliveries"]
    assert delivery["attempts"] == 2
    (stored,) = stored_messages(sim)
    assert stored["report"] == "GREEN"


def test_permission_denied_makes_the_delivery_dead_with_the_reason(hub: RunningHub, sim: httpx.Client) -> None:
    # Given an XTA server that refuses the hub's account
    sim.post(
        "/_sim/faults", json={"fault": "PermissionDenied", "reason": "Konto für XBau nicht freigeschaltet", "count": 1}
    ).raise_for_status()

    # When a Bauantrag is posted
    answer = hub.api.post("/v1/submissions", json=bauantrag())
    assert answer.status_code == 202, answer.text

    # Then it is dead after one attempt, and the reason is shown
    (delivery,) = wait_status(hub, answer.json()["id"], "failed")["deliveries"]
    assert delivery["state"] == "dead"
    assert delivery["attempts"] == 1
    assert "PermissionDenied" in delivery["lastError"]
    assert "Konto für XBau nicht freigeschaltet" in delivery["lastError"]
    assert stored_messages(sim) == []


def test_an_application_the_xbau_schema_refuses_is_a_422_naming_the_field(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a Bauantrag whose form passes the form schema, but whose design author's name is in Greek
    # letters, which XBau's name type (DIN 91379 datatype C: Latin letters) does not take
    broken = bauantrag()
    broken["form"]["entwurfsverfasser"]["familyName"] = "Παπαδόπουλος"

    before = row_counts(hub)

    # When it is posted
    answer = hub.api.post("/v1/submissions", json=broken)

    # Then the hub answers 422, pointing at the field, naming the XSD and the element, and stores nothing
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = answer.json()["errors"]
    assert {e["pointer"] for e in errors} == {"/form/entwurfsverfasser/familyName"}, errors
    assert all(e["rule"] == "xsd:xbau-2.6" and "/familienname/" in e["location"] for e in errors), errors
    assert row_counts(hub) == before
    assert stored_messages(sim) == []


def test_an_open_report_is_confirmed_on_retry_without_a_second_copy(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a Bauportal XTA server whose first transport report says delivery is still under way
    sim.post("/_sim/faults", json={"report": "OPEN", "reason": "Zustellung läuft", "count": 1}).raise_for_status()

    # When a Bauantrag is posted
    answer = hub.api.post("/v1/submissions", json=bauantrag())
    assert answer.status_code == 202, answer.text

    # Then the retry asks after the message already sent (the bauportal-nrw connector kept it in mind)
    (delivery,) = wait_status(hub, answer.json()["id"], "delivered")["deliveries"]
    assert delivery["attempts"] == 2
    assert delivery["receipt"]["confirmedOnRetry"] is True
    (stored,) = stored_messages(sim)
    assert stored["messageId"] == delivery["receipt"]["reference"]
