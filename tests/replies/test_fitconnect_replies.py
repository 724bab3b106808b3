"""Replies to FIT-Connect cases, end to end: the FIT-Connect simulator as the sender submits a
Wohngeld-Antrag to Gladbeck's destination offering ``replyChannel.fitConnect`` with a key it holds;
the hub's subscriber receives and accepts it; the back office replies through the API; the hub
encrypts the reply to the sender's key and sends it through the Submission API's reply endpoints;
the simulated sender decrypts it, checks metadata schema and hashes, and accepts it. A submission
without the reply channel takes no reply (409, nothing stored)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from hub.config import PROJECT_ROOT
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from hub.store.tables import reply
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.replies.reply_support import BESCHEID, DECISION, document, reply_body
from tests.support.fitconnect import schema_catalog
from tests.support.region import GLADBECK, write_region
from tests.support.waiting import wait_for

SOURCE_ID = "gladbeck-wohngeld-fitconnect"
CLIENT_ID = "gladbeck-subscriber"
SECRET_ENV = "HUB_TEST_FC_REPLY_SECRET"
SECRET = "fc-subscriber-secret-reply-71"
SAMPLES = PROJECT_ROOT / "config" / "emscher-lippe"
WOHNGELD = json.loads((SAMPLES / "samples" / "wohngeld-antrag.json").read_text(encoding="utf-8"))
FORM_URI = json.loads((SAMPLES / "forms" / "wohngeld-antrag.schema.json").read_text(encoding="utf-8"))["$id"]
LEIKA = "99107023017000"
SERVICE = {"name": "Wohngeld – Antrag", "identifier": f"urn:de:fim:leika:leistung:{LEIKA}"}
REPLY_SCHEMA = "https://schema.emscher-lippe-hub.example/fit-connect/reply/1.0.0/reply.schema.json"


@pytest.fixture(scope="module")
def platform() -> Iterator[tuple[FitConnectSimulator, ServerThread, str]]:
    sim = FitConnectSimulator(schema_catalog(), {CLIENT_ID: SECRET})
    destination = sim.state.add_destination("Wohngeldstelle Gladbeck", "055620014014", [LEIKA])
    with ServerThread(sim) as server:
        yield sim, server, destination.destination_id


@pytest.fixture
def control(platform: tuple[FitConnectSimulator, ServerThread, str]) -> Iterator[httpx.Client]:
    sim, server, _ = platform
    with sim.state.lock:
        sim.state.submissions.clear()
        sim.subscriber.answers.clear()
        sim.replies.replies.clear()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def hub(
    database_url: str,
    tmp_path: Path,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    control: httpx.Client,
    sim: httpx.Client,
    backoffice: ServerThread,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningHub]:
    """The hub over HTTP with its worker, subscribed to Gladbeck's Wohngeld destination."""
    _, server, destination_id = platform
    monkeypatch.setenv(SECRET_ENV, SECRET)
    keys = control.get(f"/_sim/destinations/{destination_id}/subscriber-keys")
    keys.raise_for_status()
    keys_file = tmp_path / "gladbeck.jwks.json"
    keys_file.write_bytes(keys.content)
    directory = write_region(tmp_path / "region", backoffice.url)
    path = directory / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    real = yaml.safe_load((SAMPLES / "region.yaml").read_text(encoding="utf-8"))
    wohngeld = next(s for s in real["services"] if s["id"] == "wohngeld-antrag")
    raw["services"].append({**wohngeld, "form": str(SAMPLES / wohngeld["form"])})
    raw["inbound"] = [
        {
            "id": SOURCE_ID,
            "name": "FIT-Connect Zustellpunkt Wohngeldstelle Gladbeck",
            "source": "fitconnect-subscriber",
            "municipality": GLADBECK,
            "accepts": ["fit-connect"],
            "destinations": ["gladbeck-fachverfahren"],
            "settings": {
                "tokenUrl": f"{server.url}/token",
                "submissionUrl": f"{server.url}/submission",
                "clientId": CLIENT_ID,
                "clientSecretEnv": SECRET_ENV,
                "destinationId": destination_id,
                "keysFile": str(keys_file),
                "timeoutSeconds": 10,
            },
        }
    ]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    running = start_hub(make_settings(database_url, directory, inbound_lease_seconds=2.0, inbound_poll_seconds=0))
    yield running
    stop_hub(running)


@pytest.fixture
def back_office(hub: RunningHub) -> Iterator[httpx.Client]:
    _, key = hub.ctx.clients.create("wohngeld-fachverfahren-gladbeck", [GLADBECK], roles=["back-office"])
    with hub.client(key) as client:
        yield client


def _received(hub: RunningHub, control: httpx.Client, destination_id: str, **extra: Any) -> str:
    """A Wohngeld-Antrag sent by the simulator and received by the hub: the case's submission id."""
    body = {"destinationId": destination_id, "data": WOHNGELD, "dataSchemaUri": FORM_URI, "serviceType": SERVICE}
    answer = control.post("/_sim/sender/submissions", json={**body, **extra})
    answer.raise_for_status()
    report = hub.ctx.inbound.poll()
    assert [(s.received, s.error) for s in report.sources] == [(1, None)]
    [case] = hub.ctx.inbound.recent()
    shown = hub.ctx.inbound.show(case.id)
    assert shown is not None
    assert shown.submission_id is not None
    return shown.submission_id


def test_a_reply_reaches_the_fit_connect_sender_encrypted_to_its_key_and_is_accepted(
    hub: RunningHub,
    back_office: httpx.Client,
    control: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
) -> None:
    # Given a Wohngeld-Antrag whose sender offered the FIT-Connect reply channel, received and accepted
    _, _, destination_id = platform
    submission_id = _received(hub, control, destination_id, replyChannel={"processStandards": [REPLY_SCHEMA]})

    # When the Wohngeldstelle replies with its Bescheid
    answer = back_office.post(f"/v1/submissions/{submission_id}/replies", json=reply_body())
    assert answer.status_code == 202, answer.text
    posted = answer.json()
    assert posted["channel"] == "fit-connect"
    assert posted["delivery"]["destination"] == f"reply-fit-connect:{SOURCE_ID}"

    # Then the sender receives it through the reply endpoints, decrypts it with its key and accepts it
    def replies() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = control.get("/_sim/sender/replies").json()
        return [r for r in found if r["status"] != "incomplete"]

    [received] = wait_for(replies, timeout=30, what="the reply at the FIT-Connect sender")
    assert received["problems"] == []
    assert received["status"] == "accepted"
    data = received["data"]
    assert (data["status"], data["text"], data["replyId"]) == ("approved", DECISION, posted["id"])
    assert data["$schema"] == REPLY_SCHEMA
    [(attachment_id, content)] = received["attachments"].items()
    assert base64.b64decode(content) == BESCHEID
    [listed] = received["metadata"]["contentStructure"]["attachments"]
    assert (listed["attachmentId"], listed["filename"]) == (attachment_id, document()["fileName"])
    assert data["documents"] == [{"attachmentId": attachment_id, "fileName": document()["fileName"]}]
    sim = platform[0]
    [sent] = [s for s in sim.state.submissions.values() if s.case_id == received["caseId"]]
    assert received["submissionId"] == sent.submission_id

    # And the API shows the reply delivered, its attempt once
    def delivered() -> dict[str, Any] | None:
        [one] = back_office.get(f"/v1/submissions/{submission_id}/replies").json()["replies"]
        return one if one["delivery"]["state"] == "delivered" else None

    shown = wait_for(delivered, timeout=20, what="the reply's delivery settled")
    assert shown["delivery"]["attempts"] == 1


def test_a_fit_connect_case_without_reply_channel_takes_no_reply(
    hub: RunningHub,
    back_office: httpx.Client,
    control: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
) -> None:
    submission_id = _received(hub, control, platform[2])
    answer = back_office.post(f"/v1/submissions/{submission_id}/replies", json=reply_body())
    assert answer.status_code == 409, answer.text
    assert answer.json()["type"] == "/problems/no-reply-channel"
    assert "replyChannel.fitConnect" in answer.json()["detail"]
    with hub.ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(reply)).scalar_one() == 0
    assert control.get("/_sim/sender/replies").json() == []
