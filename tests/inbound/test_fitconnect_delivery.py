"""FIT-Connect cases delivered to the back office through the mapping specs, end to end.

Real servers on loopback: the FIT-Connect simulator as the sender (it encrypts a Wohngeld-Antrag
for Gladbeck's destination and verifies the hub's accept), the REST back-office simulator as
Gladbeck's Fachverfahren, the hub's worker delivering, SQLite and PostgreSQL. The submission is
decrypted, checked, stored, accepted with a verified token, and its data mapped with
``mappings/wohngeld-antrag.fachverfahren-json.yaml`` reaches the back office once, with the PDF.
Data failing the form or the mapping stays in quarantine named by its JSON pointers; a case the
config did not route is released by ``hub inbound release`` once it does, and delivered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.bootstrap import HubContext, build
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from hub.store.inbound_cases import INBOUND_CLIENT_ID
from tests.conftest import make_settings
from tests.support.cli import HubCli, describe, hub_env
from tests.support.fitconnect import schema_catalog
from tests.support.region import GLADBECK, HERTEN, REAL_CONFIG, write_region
from tests.support.waiting import wait_for

SOURCE_ID = "gladbeck-wohngeld-fitconnect"
CLIENT_ID = "gladbeck-wohngeld-subscriber"
SECRET_ENV = "HUB_TEST_FC_WOHNGELD_SECRET"
SECRET = "fc-wohngeld-secret-5a02"
SAMPLE = json.loads((REAL_CONFIG / "samples" / "wohngeld-antrag.json").read_text(encoding="utf-8"))
APPLICATION = {key: value for key, value in SAMPLE.items() if key != "attachments"}
FORM_URI = json.loads((REAL_CONFIG / "forms" / "wohngeld-antrag.schema.json").read_text(encoding="utf-8"))["$id"]
LEIKA = "99107023017000"
SERVICE = {"name": "Wohngeld – Antrag", "identifier": f"urn:de:fim:leika:leistung:{LEIKA}"}
PDF = b"%PDF-1.7 Mietbescheinigung " + os.urandom(2048)
WITHOUT_START = {k: v for k, v in APPLICATION["form"].items() if k != "requestedFrom"}
SYSTEM = "gladbeck"  # the back-office simulator's path segment of gladbeck-fachverfahren


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
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.delete("/_sim/faults").raise_for_status()
        yield client
        client.delete("/_sim/faults").raise_for_status()


def _wohngeld_service() -> dict[str, Any]:
    real = yaml.safe_load((REAL_CONFIG / "region.yaml").read_text(encoding="utf-8"))
    [service] = [s for s in real["services"] if s["id"] == "wohngeld-antrag"]
    return {**service, "form": str(REAL_CONFIG / service["form"])}


def _write_region(directory: Path, *, with_wohngeld: bool) -> None:
    path = directory / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["services"] = [s for s in raw["services"] if s["id"] != "wohngeld-antrag"]
    if with_wohngeld:
        raw["services"].append(_wohngeld_service())
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def region(
    tmp_path: Path,
    backoffice: ServerThread,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    control: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The test region with the Wohngeld service and Gladbeck's Wohngeldstelle as a FIT-Connect source."""
    _, server, destination_id = platform
    monkeypatch.setenv(SECRET_ENV, SECRET)
    keys = control.get(f"/_sim/destinations/{destination_id}/subscriber-keys")
    keys.raise_for_status()
    keys_file = tmp_path / "gladbeck-wohngeld.jwks.json"
    keys_file.write_bytes(keys.content)
    directory = write_region(tmp_path / "region", backoffice.url)
    path = directory / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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
                "timeoutSeconds": 5,
            },
        }
    ]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _write_region(directory, with_wohngeld=True)
    return directory


def _hub(database_url: str, region: Path) -> HubContext:
    settings = make_settings(database_url, region, inbound_lease_seconds=2.0, inbound_poll_seconds=0)
    ctx = build(settings, migrate=True, api=False)
    ctx.start_worker(threads=2)
    return ctx


@pytest.fixture
def hub(database_url: str, region: Path, sim: httpx.Client) -> Iterator[HubContext]:
    ctx = _hub(database_url, region)
    yield ctx
    ctx.close()


def _send(control: httpx.Client, destination_id: str, data: Any, **extra: Any) -> str:
    body = {"destinationId": destination_id, "data": data, "dataSchemaUri": FORM_URI, "serviceType": SERVICE}
    answer = control.post("/_sim/sender/submissions", json={**body, **extra})
    answer.raise_for_status()
    return str(answer.json()["submissionId"])


def _pdf() -> dict[str, str]:
    return {"contentBase64": base64.b64encode(PDF).decode(), "mimeType": "application/pdf", "filename": "miete.pdf"}


def _poll(ctx: HubContext) -> tuple[int, int, int, str | None]:
    report = ctx.inbound.poll()
    assert not report.busy
    [source] = report.sources
    return source.received, source.quarantined, source.duplicates, source.error


def _answer(control: httpx.Client, submission_id: str) -> dict[str, Any]:
    answer = control.get("/_sim/sender/answers")
    answer.raise_for_status()
    [found] = [a for a in answer.json() if a["submissionId"] == submission_id]
    return dict(found)


def _at_backoffice(sim: httpx.Client) -> list[dict[str, Any]]:
    def stored() -> list[dict[str, Any]] | None:
        answer = sim.get("/_sim/messages")
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found or None

    messages = wait_for(stored, timeout=20, what="the case at the back office")
    assert messages is not None
    return messages


def _delivered(ctx: HubContext, submission_id: str) -> Any:
    def delivered() -> Any:
        view = ctx.submissions.get(submission_id)
        return view if view is not None and view.status == "delivered" else None

    return wait_for(delivered, timeout=20, what="the case's submission delivered")


def test_a_wohngeld_submission_is_accepted_and_delivered_mapped_to_the_back_office_once(
    hub: HubContext,
    control: httpx.Client,
    sim: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
) -> None:
    fc, _, destination_id = platform
    # Given a Wohngeld-Antrag with a PDF, encrypted by the sender for Gladbeck's destination
    submission_id = _send(control, destination_id, APPLICATION, attachments=[_pdf()])

    # When the hub polls (twice: the second finds nothing)
    assert _poll(hub) == (1, 0, 0, None)
    assert _poll(hub) == (0, 0, 0, None)

    # Then the simulator verified the hub's accept
    answer = _answer(control, submission_id)
    assert (answer["event"], answer["verified"], answer["tagsMatch"]) == ("accept-submission", True, True)
    assert fc.state.submissions[submission_id].status == "accepted"
    # And the case is a submission of the Wohngeld service, delivered once to Gladbeck's Fachverfahren
    [case] = hub.inbound.recent()
    shown = hub.inbound.show(case.id)
    assert shown is not None
    assert (shown.summary.state, shown.message_uuid) == ("received", submission_id)
    assert shown.submission_id is not None
    view = _delivered(hub, shown.submission_id)
    assert (view.service, view.municipality, view.client_id) == ("wohngeld-antrag", GLADBECK, INBOUND_CLIENT_ID)
    [delivery] = view.deliveries
    assert (delivery.destination_id, delivery.attempts) == ("gladbeck-fachverfahren", 1)
    [message] = _at_backoffice(sim)
    assert message["system"] == SYSTEM
    body = message["body"]
    # The mapped fields of mappings/wohngeld-antrag.fachverfahren-json.yaml
    assert body["vorgang"] == {
        "art": "WOHNGELD",
        "leistung": "wohngeld-antrag",
        "gemeindeschluessel": GLADBECK,
        "portalReferenz": APPLICATION["portalReference"],
    }
    assert body["antragsteller"]["name"] == "Mustermann, Erika"
    assert body["antragsteller"]["geburtsdatum"] == "12.04.1980"
    assert body["antragsteller"]["anschrift"]["strasseHausnummer"] == "Musterstraße 12a"
    assert body["wohngeld"]["art"] == "MIETZUSCHUSS"
    assert body["wohngeld"]["haushaltsgroesse"] == 2
    assert body["wohngeld"]["monatlicheKosten"] == 610.5
    assert body["wohngeld"]["heizkostenEnthalten"] == "N"
    assert body["wohngeld"]["beginn"] == "01.07.2026"
    assert body["wohngeld"]["haushaltsangehoerige"][0]["verwandtschaft"] == "KIND"
    # The PDF (not the FIT-Connect metadata) as the one attachment, inline
    [pdf] = body["anlagen"]
    assert (pdf["dateiname"], pdf["mimeType"]) == ("miete.pdf", "application/pdf")
    assert base64.b64decode(pdf["inhalt"]) == PDF
    assert pdf["sha256"] == hashlib.sha256(PDF).hexdigest()
    kinds = [e.kind for e in hub.submissions.events(shown.submission_id)]
    assert kinds[:2] == ["received", "routed"]
    # Once: nothing more arrives at the back office after another poll
    assert _poll(hub) == (0, 0, 0, None)
    assert len(sim.get("/_sim/messages").json()) == 1


@pytest.mark.parametrize(
    ("data", "reason", "named", "hidden"),
    [
        # the form misses a required field and has a value outside its enum: named, the value not told
        (
            {**APPLICATION, "form": {**WITHOUT_START, "kind": "Untermiete"}},
            "schema-violation",
            ["/form/requestedFrom (required)", "/form/kind (enum)"],
            "Untermiete",
        ),
        # the data is the form alone: valid, but the Fachverfahren's mapping needs the applicant
        (APPLICATION["form"], "unroutable", ["gladbeck-fachverfahren", "/applicant/kind"], "Mustermann"),
        # the data names another body than the one whose destination received it
        ({**APPLICATION, "municipality": HERTEN}, "unroutable", ["/municipality", GLADBECK], HERTEN),
    ],
    ids=["form", "mapping", "municipality"],
)
def test_data_failing_the_form_or_the_mapping_is_quarantined_by_pointer_and_still_accepted(
    hub: HubContext,
    control: httpx.Client,
    sim: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    data: Any,
    reason: str,
    named: list[str],
    hidden: str,
) -> None:
    _, _, destination_id = platform
    submission_id = _send(control, destination_id, data)

    assert _poll(hub) == (0, 1, 0, None)

    # The platform's checks passed: the hub took it over (accepted); our routing holds it
    assert _answer(control, submission_id)["event"] == "accept-submission"
    [held] = hub.inbound.recent()
    shown = hub.inbound.show(held.id)
    assert shown is not None
    assert (shown.summary.state, shown.summary.reason, shown.submission_id) == ("quarantined", reason, None)
    detail = shown.detail or ""
    for text in named:
        assert text in detail
    assert hidden not in detail
    # A release re-runs the same checks: still held, with the same reason
    released = hub.inbound_quarantine.release(held.id, "operator:test")
    assert (released.released, released.reason) == (False, reason)
    again = hub.inbound.show(held.id)
    assert again is not None
    assert (again.summary.state, again.submission_id) == ("quarantined", None)
    assert sim.get("/_sim/messages").json() == []


def test_a_case_the_config_did_not_route_is_released_by_the_cli_after_the_fix_and_delivered(
    database_url: str,
    region: Path,
    control: httpx.Client,
    sim: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
) -> None:
    _, _, destination_id = platform
    # Given a region that (by mistake) lacks the Wohngeld service
    _write_region(region, with_wohngeld=False)
    ctx = _hub(database_url, region)
    try:
        _send(control, destination_id, APPLICATION, attachments=[_pdf()])
        assert _poll(ctx) == (0, 1, 0, None)
        [held] = ctx.inbound.recent(state="quarantined")
        shown = ctx.inbound.show(held.id)
        assert shown is not None
        assert shown.summary.reason == "unroutable"
        assert LEIKA in (shown.detail or "")

        # When the service is configured again and an operator releases the case from the terminal
        _write_region(region, with_wohngeld=True)
        cli = HubCli(hub_env(database_url, region, HUB_INBOUND_POLL_SECONDS="0"))
        result = cli.run("inbound", "release", held.id, "--reason", "Wohngeld routed again")
        assert result.returncode == 0, describe(result)

        # Then it is a case, and the worker delivers the mapped application with the PDF once
        released = ctx.inbound.show(held.id)
        assert released is not None
        assert released.summary.state == "received"
        assert released.submission_id is not None
        view = _delivered(ctx, released.submission_id)
        assert [d.destination_id for d in view.deliveries] == ["gladbeck-fachverfahren"]
        [message] = _at_backoffice(sim)
        assert message["body"]["vorgang"]["art"] == "WOHNGELD"
        [pdf] = message["body"]["anlagen"]
        assert base64.b64decode(pdf["inhalt"]) == PDF
    finally:
        ctx.close()
