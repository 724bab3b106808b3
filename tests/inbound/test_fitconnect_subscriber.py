"""The FIT-Connect subscriber source end to end: the FIT-Connect simulator on loopback acting as the
sender, the real database.

A Wohngeld-Antrag the simulator encrypts for Gladbeck's destination is listed (all pages), fetched
with its attachment, decrypted with the destination's key by kid (two keys after a rotation),
checked, stored once and accepted with a SET the simulator verifies against the destination's
published signing key, carrying the JWEs' authentication tags. A tampered ciphertext, a hash
mismatch and a metadata schema violation are each rejected with the fitting FIT-Connect problem
and stored nowhere; a 503 while fetching rejects nothing and the next poll accepts; an accept lost
after storing is sent again on the next poll without a second case.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from joserfc import jws
from joserfc.jwk import RSAKey

from hub.bootstrap import HubContext, build
from hub.config import PROJECT_ROOT
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from tests.conftest import make_settings
from tests.support.fitconnect import schema_catalog
from tests.support.region import GLADBECK, write_region

SOURCE_ID = "gladbeck-fitconnect"
CLIENT_ID = "gladbeck-subscriber"
SECRET_ENV = "HUB_TEST_FC_SUBSCRIBER_SECRET"
SECRET = "fc-subscriber-secret-3e91"
SAMPLES = PROJECT_ROOT / "config" / "emscher-lippe"
WOHNGELD = json.loads((SAMPLES / "samples" / "wohngeld-antrag.json").read_text(encoding="utf-8"))
FORM_URI = json.loads((SAMPLES / "forms" / "wohngeld-antrag.schema.json").read_text(encoding="utf-8"))["$id"]
LEIKA = "99107023017000"
SERVICE = {"name": "Wohngeld – Antrag", "identifier": f"urn:de:fim:leika:leistung:{LEIKA}"}
PDF = b"%PDF-1.7 Mietbescheinigung " + os.urandom(1024)
PROBLEM = "https://schema.fitko.de/fit-connect/events/problems/"


def wohngeld_service() -> dict[str, Any]:
    """The region's Wohngeld service: the received cases are mapped for the Fachverfahren
    (tests/inbound/test_fitconnect_delivery.py), so the service must exist."""
    real = yaml.safe_load((SAMPLES / "region.yaml").read_text(encoding="utf-8"))
    wohngeld = next(s for s in real["services"] if s["id"] == "wohngeld-antrag")
    return {**wohngeld, "form": str(SAMPLES / wohngeld["form"])}


def fitconnect_source(platform_url: str, destination_id: str, keys_file: Path) -> dict[str, Any]:
    """Gladbeck's Wohngeld destination at the simulator as an ``inbound:`` source of the region."""
    return {
        "id": SOURCE_ID,
        "name": "FIT-Connect Zustellpunkt Wohngeldstelle Gladbeck",
        "source": "fitconnect-subscriber",
        "municipality": GLADBECK,
        "accepts": ["fit-connect"],
        "destinations": ["gladbeck-fachverfahren"],
        "settings": {
            "tokenUrl": f"{platform_url}/token",
            "submissionUrl": f"{platform_url}/submission",
            "clientId": CLIENT_ID,
            "clientSecretEnv": SECRET_ENV,
            "destinationId": destination_id,
            "keysFile": str(keys_file),
            "timeoutSeconds": 5,
            "pageSize": 2,
        },
    }


def keys_file_of(control: httpx.Client, destination_id: str, path: Path) -> Path:
    """The destination's private keys as its owner's file, fetched from the simulator."""
    keys = control.get(f"/_sim/destinations/{destination_id}/subscriber-keys")
    keys.raise_for_status()
    path.write_bytes(keys.content)
    return path


@pytest.fixture(scope="module")
def platform() -> Iterator[tuple[FitConnectSimulator, ServerThread, str]]:
    """The simulator with Gladbeck's destination, rotated once: two encryption keys are in use."""
    sim = FitConnectSimulator(schema_catalog(), {CLIENT_ID: SECRET})
    destination = sim.state.add_destination("Wohngeldstelle Gladbeck", "055620014014", [LEIKA])
    with ServerThread(sim) as server:
        yield sim, server, destination.destination_id


@pytest.fixture
def control(platform: tuple[FitConnectSimulator, ServerThread, str]) -> Iterator[httpx.Client]:
    sim, server, _ = platform
    with sim.state.lock:  # each test starts with an empty destination and no answers recorded
        sim.state.submissions.clear()
        sim.subscriber.answers.clear()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.delete("/_sim/faults").raise_for_status()
        yield client
        client.delete("/_sim/faults").raise_for_status()


@pytest.fixture(scope="module")
def rotated(platform: tuple[FitConnectSimulator, ServerThread, str]) -> tuple[str, str]:
    """(old kid, new kid): the destination rotated its encryption key once."""
    sim, server, destination_id = platform
    old = sim.state.destinations[destination_id].key.kid
    answer = httpx.post(f"{server.url}/_sim/destinations/{destination_id}/rotate", timeout=30)
    answer.raise_for_status()
    return old, str(answer.json()["encryptionKid"])


@pytest.fixture
def hub(
    database_url: str,
    tmp_path: Path,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    rotated: tuple[str, str],
    control: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HubContext]:
    _, server, destination_id = platform
    monkeypatch.setenv(SECRET_ENV, SECRET)
    keys_file = keys_file_of(control, destination_id, tmp_path / "gladbeck.jwks.json")
    directory = write_region(tmp_path / "region", "http://127.0.0.1:9")
    path = directory / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["services"].append(wohngeld_service())
    raw["inbound"] = [fitconnect_source(server.url, destination_id, keys_file)]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    ctx = build(make_settings(database_url, directory, inbound_lease_seconds=2.0), migrate=True, api=False)
    yield ctx
    ctx.close()


def send(control: httpx.Client, destination_id: str, **extra: Any) -> str:
    body = {"destinationId": destination_id, "data": WOHNGELD, "dataSchemaUri": FORM_URI, "serviceType": SERVICE}
    answer = control.post("/_sim/sender/submissions", json={**body, **extra})
    answer.raise_for_status()
    return str(answer.json()["submissionId"])


def poll(ctx: HubContext) -> tuple[int, int, int, str | None]:
    report = ctx.inbound.poll()
    assert not report.busy
    [source] = report.sources
    return source.received, source.quarantined, source.duplicates, source.error


def answers(control: httpx.Client) -> dict[str, dict[str, Any]]:
    answer = control.get("/_sim/sender/answers")
    answer.raise_for_status()
    return {a["submissionId"]: a for a in answer.json()}


def status(sim: FitConnectSimulator, submission_id: str) -> str:
    return sim.state.submissions[submission_id].status


def test_wohngeld_is_decrypted_checked_stored_once_and_accepted_with_a_verified_token(
    hub: HubContext,
    control: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    rotated: tuple[str, str],
) -> None:
    sim, _, destination_id = platform
    old_kid, _ = rotated
    pdf = {"contentBase64": base64.b64encode(PDF).decode(), "mimeType": "application/pdf", "filename": "miete.pdf"}
    # Given three submissions: one with an attachment, one for the key before the rotation, one in metadata 1.0.0
    with_pdf = send(control, destination_id, attachments=[pdf])
    old_key = send(control, destination_id, kid=old_kid)
    v1 = send(control, destination_id, metadataVersion="1.0.0")

    # When the hub polls (two pages of two), then all three are stored and accepted; a second poll finds none
    assert poll(hub) == (3, 0, 0, None)
    assert poll(hub) == (0, 0, 0, None)

    answered = answers(control)
    assert set(answered) == {with_pdf, old_key, v1}
    for submission_id, answer in answered.items():
        assert (answer["event"], answer["verified"], answer["tagsMatch"]) == ("accept-submission", True, True)
        assert status(sim, submission_id) == "accepted"
    cases = {c.external_id: c for c in hub.inbound.recent()}
    assert set(cases) == {with_pdf, old_key, v1}
    case = cases[with_pdf]
    assert (case.state, case.municipality, case.message_type) == ("received", GLADBECK, LEIKA)
    assert (case.standard, cases[v1].standard) == ("fit-connect-2.1.0", "fit-connect-1.0.0")
    shown = hub.inbound.show(case.id)
    assert shown is not None
    assert shown.content is not None
    assert json.loads(shown.content) == WOHNGELD
    assert shown.sha256 == hashlib.sha256(shown.content).hexdigest()
    assert shown.header["submissionId"] == with_pdf
    assert shown.header["dataSchema"] == FORM_URI
    assert shown.destinations == ["gladbeck-fachverfahren"]
    metadata, attachment = shown.attachments
    assert metadata.file_name == "fit-connect-metadata.json"
    assert json.loads(metadata.data)["contentStructure"]["data"]["submissionSchema"]["schemaUri"] == FORM_URI
    assert (attachment.data, attachment.file_name, attachment.media_type) == (PDF, "miete.pdf", "application/pdf")


@pytest.mark.parametrize(
    ("tamper", "problem", "instance"),
    [
        ("ciphertext", "encryption-issue", "data"),
        ("data-hash", "hash-mismatch", "data"),
        ("attachment-hash", "hash-mismatch", "attachment:"),
        ("metadata-schema", "schema-violation", "metadata"),
    ],
)
def test_a_submission_failing_a_check_is_rejected_with_the_fitting_problem_and_not_stored(
    hub: HubContext,
    control: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    tamper: str,
    problem: str,
    instance: str,
) -> None:
    sim, _, destination_id = platform
    pdf = {"contentBase64": base64.b64encode(PDF).decode(), "mimeType": "application/pdf", "filename": "miete.pdf"}
    submission_id = send(control, destination_id, tamper=tamper, attachments=[pdf])

    assert poll(hub) == (0, 0, 0, None)

    answer = answers(control)[submission_id]
    assert (answer["event"], answer["verified"]) == ("reject-submission", True)
    [reported] = answer["problems"]
    assert reported["type"] == PROBLEM + problem
    assert reported["instance"].startswith(instance)
    assert status(sim, submission_id) == "rejected"
    assert hub.inbound.recent() == []
    assert poll(hub) == (0, 0, 0, None)  # answered: not listed again


def test_a_503_while_fetching_rejects_nothing_and_the_next_poll_accepts(
    hub: HubContext, control: httpx.Client, platform: tuple[FitConnectSimulator, ServerThread, str]
) -> None:
    sim, _, destination_id = platform
    submission_id = send(control, destination_id)
    fault = {"mode": "status", "status": 503, "system": "submission-fetch", "count": 1}
    control.post("/_sim/faults", json=fault).raise_for_status()

    received, _, _, error = poll(hub)
    assert received == 0
    assert error is not None
    assert "503" in error
    assert answers(control) == {}
    assert status(sim, submission_id) == "submitted"

    assert poll(hub) == (1, 0, 0, None)
    assert answers(control)[submission_id]["event"] == "accept-submission"
    assert status(sim, submission_id) == "accepted"


def test_an_accept_lost_after_storing_is_sent_on_the_next_poll_without_a_second_case(
    hub: HubContext, control: httpx.Client, platform: tuple[FitConnectSimulator, ServerThread, str]
) -> None:
    sim, _, destination_id = platform
    submission_id = send(control, destination_id)
    fault = {"mode": "status", "status": 503, "system": "submission-events", "count": 1}
    control.post("/_sim/faults", json=fault).raise_for_status()

    received, _, _, error = poll(hub)
    assert (received, error is not None) == (1, True)
    assert status(sim, submission_id) == "submitted"
    [case] = hub.inbound.recent()
    assert case.closed_at is None

    assert poll(hub) == (0, 0, 1, None)
    assert status(sim, submission_id) == "accepted"
    [case] = hub.inbound.recent()
    assert case.closed_at is not None


def test_a_submission_for_a_key_the_hub_lacks_waits_unanswered_until_the_key_is_configured(
    hub: HubContext,
    control: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    rotated: tuple[str, str],
) -> None:
    sim, _, destination_id = platform
    old_kid, _ = rotated
    keys_file = Path(hub.region.inbound[SOURCE_ID].settings["keysFile"])
    complete = keys_file.read_bytes()
    without_old = [k for k in json.loads(complete)["keys"] if k["kid"] != old_kid]
    keys_file.write_text(json.dumps({"keys": without_old}), encoding="utf-8")
    submission_id = send(control, destination_id, kid=old_kid)

    # Our configuration lacks the key: that is no reason to reject (which cannot be undone)
    assert poll(hub) == (0, 0, 0, None)
    assert answers(control) == {}
    assert status(sim, submission_id) == "submitted"

    keys_file.write_bytes(complete)  # the operator adds the key; the source reads its file on each poll
    assert poll(hub) == (1, 0, 0, None)
    assert status(sim, submission_id) == "accepted"


def test_a_token_signed_with_another_key_is_refused_by_the_platform(
    control: httpx.Client, platform: tuple[FitConnectSimulator, ServerThread, str]
) -> None:
    # The simulator's check is what the tests above rely on: it must refuse what the destination did not sign.
    sim, _, destination_id = platform
    submission_id = send(control, destination_id)
    sub = sim.state.submissions[submission_id]
    claims = {
        "iss": destination_id,
        "sub": f"submission:{submission_id}",
        "txn": f"case:{sub.case_id}",
        "events": {"https://schema.fitko.de/fit-connect/events/accept-submission": {"authenticationTags": {}}},
    }
    signing_kid = json.loads(control.get(f"/_sim/destinations/{destination_id}/subscriber-keys").content)["keys"][-1][
        "kid"
    ]
    forger = RSAKey.generate_key(2048, private=True)
    token = jws.serialize_compact(
        {"alg": "PS512", "typ": "secevent+jwt", "kid": signing_kid},
        json.dumps(claims).encode(),
        forger,
        algorithms=["PS512"],
    )
    token_answer = control.post(
        "/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    )
    bearer = token_answer.json()["access_token"]
    answer = control.post(
        f"/submission/v1/cases/{sub.case_id}/events",
        content=token,
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/jose"},
    )
    assert answer.status_code == 422
    assert answers(control)[submission_id]["verified"] is False
    assert status(sim, submission_id) == "submitted"


def test_a_submission_left_unanswered_is_warned_about_after_3_days_and_near_the_platforms_14(
    hub: HubContext,
    control: httpx.Client,
    platform: tuple[FitConnectSimulator, ServerThread, str],
    rotated: tuple[str, str],
) -> None:
    from prometheus_client import CollectorRegistry, generate_latest
    from sqlalchemy import select, update

    from hub.api.inbound_metrics import InboundCollector
    from hub.store.inbound_cases import InboundCases
    from hub.store.inbound_waiting import InboundWaiting
    from hub.store.tables import inbound_waiting
    from tests.conftest import make_settings, start_hub, stop_hub
    from tests.support.console import PASSWORD, login

    _, _, destination_id = platform
    old_kid, _ = rotated
    keys_file = Path(hub.region.inbound[SOURCE_ID].settings["keysFile"])
    complete = keys_file.read_bytes()
    keys_file.write_text(
        json.dumps({"keys": [k for k in json.loads(complete)["keys"] if k["kid"] != old_kid]}), encoding="utf-8"
    )
    submission_id = send(control, destination_id, kid=old_kid)
    waiting = InboundWaiting(hub.db)

    # A submission the hub cannot open is listed as waiting, with why, but not warned about yet
    assert poll(hub) == (0, 0, 0, None)
    [item] = waiting.waiting(SOURCE_ID)
    assert (item.external_id, item.reason) == (submission_id, "decryption-key-missing")
    registry = CollectorRegistry()
    registry.register(InboundCollector(InboundCases(hub.db).counts, waiting.waiting, cache_seconds=0))

    def metric(urgency: str) -> str:
        line = f'hub_inbound_unanswered{{source="{SOURCE_ID}",urgency="{urgency}"}}'
        [value] = [x.split()[-1] for x in generate_latest(registry).decode().splitlines() if x.startswith(line)]
        return value

    assert (metric("over-3-days"), metric("near-rejection")) == ("0.0", "0.0")

    def waited(days: int) -> None:
        with hub.db.write() as conn:
            t = inbound_waiting.c
            for key, first_seen in conn.execute(select(t.external_id, t.first_seen_at)).all():
                earlier = first_seen - timedelta(days=days)
                conn.execute(update(inbound_waiting).where(t.external_id == key).values(first_seen_at=earlier))

    # Four days on (another poll keeps when it was first seen): a warning in the metrics and the console
    waited(4)
    assert poll(hub) == (0, 0, 0, None)
    assert (metric("over-3-days"), metric("near-rejection")) == ("1.0", "0.0")
    web = start_hub(make_settings(hub.settings.database_url, hub.settings.config_dir), run_worker=False)
    web.ctx.operators.create("mailroom-ops", PASSWORD, role="operator", municipalities=[GLADBECK])
    try:
        console = login(web, "mailroom-ops")
        try:
            page = console.get("/console/mailroom").text
            assert f'data-unanswered="{submission_id}" data-urgency="over-3-days"' in page
            # Twelve days: two before the platform rejects it by itself
            waited(9)
            assert (metric("over-3-days"), metric("near-rejection")) == ("0.0", "1.0")
            assert 'data-urgency="near-rejection"' in console.get("/console/mailroom").text

            # The operator adds the key: the next poll accepts it, and the warning is gone
            keys_file.write_bytes(complete)
            assert poll(hub) == (1, 0, 0, None)
            assert waiting.waiting(SOURCE_ID) == []
            assert 'id="unanswered"' not in console.get("/console/mailroom").text
        finally:
            console.close()
    finally:
        stop_hub(web)
