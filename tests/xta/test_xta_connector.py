"""The ``xoev-xta`` connector end to end: portal → hub (SQLite) → XTA simulator, over real HTTP.

Until ``xoev-xta`` is declared as an entry point in ``pyproject.toml``, the hub built here gets the
connector through ``ConnectorRegistry(extra=...)`` (``hub.bootstrap.ConnectorRegistry`` patched for the test).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree

from connectors.xoev.connector import XtaConnector
from connectors.xoev.message import HUB_MESSAGE_ID
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.errors import ConfigError
from hub.mapping.catalog import MappingCatalog
from hub.sim.kit.server import ServerThread
from hub.sim.xta import port_url
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import attachment, sample
from tests.support.region import GLADBECK, write_region
from tests.support.waiting import wait_status
from tests.support.xta_builder import NS, build_antrag
from tests.xta.xta_support import XTA_DIR

DESTINATION = "gladbeck-fachverfahren"
XBAU_SERVICE = "http://www.xleitstelle.de/xbau/2/6"


def xta_settings(xta_url: str, **changes: Any) -> dict[str, Any]:
    """The settings of an ``xoev-xta`` destination template, as an IT provider writes them in region.yaml."""
    return {
        "wsdl": "${HUB_SCHEMA_PATH_XTA:-../shared/standards/xta2-2.1.1}/XTA.wsdl",
        "endpoints": {
            "management": port_url(xta_url, "ManagementPort"),
            "send": port_url(xta_url, "SendXtaPort"),
            "msgBox": port_url(xta_url, "MsgBoxPort"),
        },
        "account": {"identifier": "dvdv:05562000-integrationshub", "name": "Integrationshub Emscher-Lippe"},
        "reader": {"prefix": "bau", "code": "{ags}", "name": "Bauaufsicht {name}"},
        "service": XBAU_SERVICE,
        "businessScenario": {
            "code": "XBAU_DATA",
            "listUri": "urn:de:dataport:codeliste:business.scenario",
            "listVersion": "1",
        },
        "messageType": {
            "code": "baugenehmigung.antrag.0200",
            "listUri": "urn:xoev-de:xbau:codeliste:nachrichten",
            "listVersion": "2.6",
        },
        "subject": "Antrag {submissionId} (Hub-Nachricht {messageId})",
        "builder": "tests.support.xta_builder:build_antrag",
        "timeoutSeconds": 10,
        **changes,
    }


def xta_region(directory: Path, xta_url: str, **changes: Any) -> Path:
    """The test region with its destination template turned into an ``xoev-xta`` destination."""
    region = write_region(directory, "http://127.0.0.1:9/unused")
    path = region / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (template,) = document["destinationTemplates"]
    template.update(connector="xoev-xta", standard="xbau-2.6", settings=xta_settings(xta_url, **changes))
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return region


@pytest.fixture
def hub(
    tmp_path: Path, xta_server: ServerThread, sim: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningHub]:
    """A hub on SQLite whose Gladbeck and Herten destinations deliver through the XTA simulator."""
    monkeypatch.setenv("HUB_SCHEMA_PATH_XTA", str(XTA_DIR))
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", xta_region(tmp_path / "r", xta_server.url)))
    yield running
    stop_hub(running)


def submit(hub: RunningHub) -> str:
    answer = hub.api.post("/v1/submissions", json=sample())
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def simulated_messages(sim: httpx.Client) -> list[dict[str, Any]]:
    answer = sim.get("/_sim/messages")
    answer.raise_for_status()
    messages: list[dict[str, Any]] = answer.json()
    return messages


def inject(sim: httpx.Client, **rule: object) -> None:
    sim.post("/_sim/faults", json=rule).raise_for_status()


def test_submission_is_delivered_through_xta_with_a_green_report(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a hub whose Gladbeck destination is an XTA reader behind the simulator
    # When a Hundesteuer-Anmeldung for Gladbeck is submitted
    submission_id = submit(hub)

    # Then it is delivered on the first attempt, with the XTA message id and the green report as receipt
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["destination"] == DESTINATION
    assert delivery["state"] == "delivered"
    assert delivery["attempts"] == 1
    receipt = delivery["receipt"]
    assert receipt["reference"].startswith("urn:de:xta:messageid:")
    assert receipt["statusCode"] is None
    assert receipt["reportStatus"] == "GREEN"
    assert {"sentAt", "reportTime", "confirmedAt", "xtaServer"} <= receipt.keys()

    # And the simulator holds exactly that one message, addressed to Gladbeck's authority, with the built body
    (stored,) = simulated_messages(sim)
    assert stored["messageId"] == receipt["reference"]
    assert stored["author"] == "dvdv:05562000-integrationshub"
    assert stored["reader"] == f"bau:{GLADBECK}"
    assert stored["service"] == XBAU_SERVICE
    assert stored["businessScenario"] == "XBAU_DATA"
    assert stored["messageType"] == "baugenehmigung.antrag.0200"
    destination = hub.ctx.region.destinations[DESTINATION]
    submission = SubmissionData(submission_id, datetime.now(UTC), sample())
    expected = build_antrag(submission, delivery["messageId"], destination)
    body = base64.b64decode(stored["message"]["data"])
    assert body == expected
    assert stored["message"]["attributes"]["contentType"] == "application/xml"
    root = etree.fromstring(body)
    assert root.findtext(f"{{{NS}}}id") == submission_id
    assert root.findtext(f"{{{NS}}}familienname") == "Mustermann"

    # And the hub's message id reaches the reader in the XÖV body and in the OSCI subject
    assert root.findtext(f"{{{NS}}}nachrichtenUUID") == delivery["messageId"]
    metadata = etree.fromstring(stored["metadataXml"])
    subject = metadata.findtext(".//{http://www.osci.eu/ws/2014/10/transport}Subject")
    assert subject == f"Antrag {submission_id} (Hub-Nachricht {delivery['messageId']})"


def test_concurrent_submissions_are_each_delivered_once(hub: RunningHub, sim: httpx.Client) -> None:
    # Given the same hub, whose four worker threads share one connector (and its pool of XTA clients)
    # When eight submissions arrive at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        submission_ids = list(pool.map(lambda _: submit(hub), range(8)))

    # Then every one is delivered on its first attempt
    receipts = {}
    for submission_id in submission_ids:
        delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
        assert delivery["attempts"] == 1
        receipts[submission_id] = delivery["receipt"]["reference"]

    # And the simulator holds each message once, under the XTA id of its receipt
    stored = {m["messageId"]: base64.b64decode(m["message"]["data"]) for m in simulated_messages(sim)}
    assert sorted(stored) == sorted(receipts.values())
    for submission_id, reference in receipts.items():
        assert etree.fromstring(stored[reference]).findtext(f"{{{NS}}}id") == submission_id


def test_technical_problem_is_retried_and_then_delivered(hub: RunningHub, sim: httpx.Client) -> None:
    # Given an XTA server that has a technical problem on the next call only
    inject(sim, fault="TechnicalProblem", reason="Wartungsfenster", count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then the first attempt fails transiently and the retry delivers it
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["attempts"] == 2
    assert delivery["receipt"]["reportStatus"] == "GREEN"
    events = hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"]
    outcomes = [e["detail"]["outcome"] for e in events if e["kind"] == "attempt"]
    assert outcomes == ["transient", "ok"]

    # And the message reached the simulator once (the failed attempt stopped before sendMessage)
    assert [m["messageId"] for m in simulated_messages(sim)] == [delivery["receipt"]["reference"]]


@pytest.mark.parametrize("report", ["OPEN", "YELLOW"])
def test_an_unconfirmed_send_is_asked_after_on_retry_not_sent_twice(
    hub: RunningHub, sim: httpx.Client, report: str
) -> None:
    # Given an XTA server whose first transport report says the delivery is still under way
    inject(sim, report=report, reason="Zustellung läuft", count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then the retry asks after the message already sent and is delivered on its green report
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["attempts"] == 2
    assert delivery["receipt"]["confirmedOnRetry"] is True

    # And the reader's box holds one copy: the one the first attempt sent
    (stored,) = simulated_messages(sim)
    assert stored["messageId"] == delivery["receipt"]["reference"]
    assert stored["report"] == "GREEN"


@pytest.fixture
def impatient_hub(tmp_path: Path, xta_server: ServerThread, sim: httpx.Client) -> Iterator[RunningHub]:
    """A hub whose XTA calls time out after a second."""
    region = xta_region(tmp_path / "r", xta_server.url, timeoutSeconds=1)
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region))
    yield running
    stop_hub(running)


def test_a_send_whose_answer_was_lost_is_not_sent_twice(impatient_hub: RunningHub, sim: httpx.Client) -> None:
    # Given an XTA server that takes the message but answers after the hub has given up waiting
    hub = impatient_hub
    inject(sim, operation="sendMessage", answerLatencyMs=1500, count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then the first attempt times out, the retry finds the message arrived, and it is delivered once
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["attempts"] == 2
    assert delivery["receipt"]["confirmedOnRetry"] is True
    assert [m["messageId"] for m in simulated_messages(sim)] == [delivery["receipt"]["reference"]]


def test_permission_denied_is_dead_after_one_attempt(hub: RunningHub, sim: httpx.Client) -> None:
    # Given an XTA server that refuses our account
    inject(sim, fault="PermissionDenied", reason="Konto gesperrt", count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then the refusal is permanent: dead after one attempt, with XTA's reason
    delivery = wait_status(hub, submission_id, "failed")["deliveries"][0]
    assert delivery["state"] == "dead"
    assert delivery["attempts"] == 1
    assert "PermissionDeniedException 9011: Konto gesperrt" in delivery["lastError"]
    assert delivery["receipt"] is None

    # And nothing was sent
    assert simulated_messages(sim) == []


def test_red_transport_report_is_dead_with_the_reports_reason(hub: RunningHub, sim: httpx.Client) -> None:
    # Given an XTA server that accepts the next message but reports it RED
    inject(sim, report="RED", reason="Empfänger-Zertifikat gesperrt", count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then it is dead after one attempt, naming the report's reason
    delivery = wait_status(hub, submission_id, "failed")["deliveries"][0]
    assert delivery["state"] == "dead"
    assert delivery["attempts"] == 1
    assert "transport report RED" in delivery["lastError"]
    assert "Empfänger-Zertifikat gesperrt" in delivery["lastError"]
    (stored,) = simulated_messages(sim)
    assert stored["report"] == "RED"


# -- the connector on its own: what a broken destination reports --------------------------------------


@pytest.fixture(scope="module")
def context() -> ConnectorContext:
    return ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"))


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"builder": "tests.support.no_such_module:build"}, "not found: No module named"),
        ({"builder": "tests.support.xta_builder:nope"}, "not found"),
        ({"builder": "tests.support.xta_builder"}, "is not 'module:function'"),
        ({"builder": "tests.support.xta_builder:NOT_CALLABLE"}, "is not callable"),
        ({"builder": "tests.support.xta_builder:build_text"}, "made no usable XML"),
        ({"wsdl": "/nowhere/XTA.wsdl"}, "is not a file"),
        ({"reader": {"name": "Bauaufsicht"}}, "'reader' needs 'identifier' or 'prefix' and 'code'"),
        ({"subject": "Antrag {aktenzeichen}"}, "'subject'"),
    ],
    ids=["no-module", "no-function", "no-colon", "not-callable", "not-xml", "no-wsdl", "no-reader-id", "bad-subject"],
)
def test_broken_destination_is_a_config_error_at_build(
    context: ConnectorContext, changes: dict[str, Any], complaint: str
) -> None:
    # Given an xoev-xta destination with one broken setting
    settings = xta_settings("http://127.0.0.1:9", wsdl=str(XTA_DIR / "XTA.wsdl"))
    settings.update(changes)
    connector = XtaConnector(Destination("x", "X", "xoev-xta", settings=settings), context)
    submission = SubmissionData("s-1", datetime.now(UTC), sample())

    # When a message is built, Then the destination and the problem are named
    with pytest.raises(ConfigError, match="destination 'x' \\(xoev-xta\\)") as raised:
        connector.build(submission, "m-1")
    assert complaint in str(raised.value)


def test_build_keeps_the_ids_and_the_payload_schema_with_the_message(context: ConnectorContext) -> None:
    # Given a working destination
    settings = xta_settings("http://127.0.0.1:9", wsdl=str(XTA_DIR / "XTA.wsdl"))
    connector = XtaConnector(Destination("x", "X", "xoev-xta", settings=settings), context)

    # When a message is built
    message = connector.build(SubmissionData("s-1", datetime.now(UTC), sample()), "m-1")

    # Then it is the builder's XML, its id is the hub's, and the payload schema is the root's namespace
    assert message.message_id == "m-1"
    assert message.media_type == "application/xml"
    assert message.headers[HUB_MESSAGE_ID] == "m-1"
    assert connector.metadata(message).payload_schema == NS
    assert connector.metadata(message).subject == "Antrag s-1 (Hub-Nachricht m-1)"


def test_attachments_travel_as_xta_attachments_with_bytes_and_hash_intact(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a submission with a PDF plan and a photo
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 500
    envelope = sample(
        attachments=[attachment(pdf, "lageplan.pdf"), {**attachment(photo, "foto.png"), "mediaType": "image/png"}]
    )

    # When it is submitted and delivered through XTA
    answer = hub.api.post("/v1/submissions", json=envelope)
    assert answer.status_code == 202, answer.text
    wait_status(hub, answer.json()["id"], "delivered")

    # Then the simulator received both files as attachments, byte for byte, in order, with their names and types
    (stored,) = simulated_messages(sim)
    files = [
        (a["attributes"].get("filename"), a["attributes"]["contentType"], base64.b64decode(a["data"]))
        for a in stored["attachments"]
    ]
    assert files == [("lageplan.pdf", "application/pdf", pdf), ("foto.png", "image/png", photo)]
    assert [hashlib.sha256(f[2]).hexdigest() for f in files] == [
        hashlib.sha256(pdf).hexdigest(),
        hashlib.sha256(photo).hexdigest(),
    ]
