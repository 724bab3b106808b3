"""A Wohngeld-Antrag for Gladbeck through the hub to the FIT-Connect simulator and back.

Real servers on loopback: the hub (intake, worker, outcome poller), the simulator's token
endpoint, Routing API and Submission API (which decrypts with the destination's private key and
checks the metadata against the official schema and every hash). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import httpx
import orjson
from structlog.testing import capture_logs

from hub.config import PROJECT_ROOT
from tests.conftest import RunningHub
from tests.support.envelopes import sample
from tests.support.fitconnect import CALLBACK_SECRET, CLIENT_SECRET, LEIKA, SERVICES, RunningFitConnect
from tests.support.region import GLADBECK, HERTEN
from tests.support.waiting import wait_for

SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "wohngeld-antrag.json"


def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _submit(hub: RunningHub, envelope: dict[str, Any]) -> str:
    response = hub.api.post("/v1/submissions", json=envelope)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _delivery(hub: RunningHub, submission_id: str) -> dict[str, Any]:
    body = hub.api.get(f"/v1/submissions/{submission_id}").json()
    return dict(body["deliveries"][0]) | {"status": body["status"]}


def _events(hub: RunningHub, submission_id: str) -> list[dict[str, Any]]:
    return list(hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"])


def _received(fc: httpx.Client, submission_id: str) -> dict[str, Any]:
    return next(s for s in fc.get("/_sim/submissions").json() if s["submissionId"] == submission_id)


def test_a_wohngeld_antrag_is_encrypted_submitted_decrypted_and_accepted(
    hub: RunningHub, fc: httpx.Client, fitconnect: RunningFitConnect
) -> None:
    # Given a Wohngeld-Antrag for Gladbeck with a PDF attachment
    envelope = _sample()
    pdf = base64.b64decode(envelope["attachments"][0]["content"])

    # When the portal posts it and the captured run delivers it
    with capture_logs() as logs:
        submission_id = _submit(hub, envelope)
        accepted = wait_for(
            lambda: ((d := _delivery(hub, submission_id)).get("receipt") or {}).get("outcome") == "accepted" and d,
            what="the platform's acceptance",
        )

    # Then the simulator decrypted exactly the mapped data and the attachment, hashes matching
    receipt = accepted["receipt"]
    received = _received(fc, receipt["fitConnect"]["submissionId"])
    data = base64.b64decode(received["data"])
    document = orjson.loads(data)
    assert document["vorgang"] == {
        "art": "WOHNGELD",
        "leistung": "wohngeld-antrag",
        "gemeindeschluessel": "05562014",
        "portalReferenz": "GLA-2026-000131",
    }
    assert document["wohngeld"]["monatlicheKosten"] == 610.5
    structure = received["metadata"]["contentStructure"]
    assert structure["data"]["hash"]["content"] == hashlib.sha512(data).hexdigest()
    assert structure["data"]["submissionSchema"]["schemaUri"] == (
        "https://hub.emscher-lippe.example/schemas/wohngeld-antrag/1.0.0"
    )
    [announced] = structure["attachments"]
    assert base64.b64decode(received["attachments"][announced["attachmentId"]]) == pdf
    assert announced["hash"]["content"] == hashlib.sha512(pdf).hexdigest()
    assert received["problems"] == []
    assert received["serviceType"]["identifier"] == f"urn:de:fim:leika:leistung:{LEIKA['wohngeld-antrag']}"
    # ... and the hub shows it delivered and accepted
    assert accepted["state"] == "delivered"
    assert accepted["status"] == "delivered"
    assert receipt["awaitingAcceptance"] is False
    kinds = [e["kind"] for e in _events(hub, submission_id)]
    assert kinds.index("delivered") < kinds.index("accepted")
    # ... and no secret, token or plaintext reached the logs
    text = json.dumps(logs, default=str)
    assert CLIENT_SECRET not in text
    assert "Mustermann" not in text
    assert "Musterstraße" not in text
    assert "access_token" not in text
    assert "PRIVATE KEY" not in text
    assert '"d":' not in text  # no private JWK member
    assert any(e["event"] == "fitconnect_submitted" for e in logs)


def test_every_fit_connect_service_is_routed_by_its_real_leika_key_and_the_bodys_ars(
    hub: RunningHub, fc: httpx.Client, fitconnect: RunningFitConnect
) -> None:
    # Given every service the region routes over FIT-Connect, for Gladbeck and Herten
    bodies = {GLADBECK: "055620014014", HERTEN: "055620020020"}
    asked_before = len(fc.get("/_sim/routes").json())

    # When each one's sample is posted for each body by that body's portal and delivered
    portals = {GLADBECK: hub.api, HERTEN: hub.client(hub.herten_key)}
    posted: dict[str, tuple[str, str]] = {}
    for service in SERVICES:
        for ags, portal in portals.items():
            envelope = sample(service, municipality=ags, portalReference=f"FC-{service}-{ags}")
            response = portal.post("/v1/submissions", json=envelope)
            assert response.status_code == 202, response.text
            posted[str(response.json()["id"])] = (service, ags)

    def delivered(submission_id: str) -> bool:
        portal = portals[posted[submission_id][1]]
        deliveries = portal.get(f"/v1/submissions/{submission_id}").json()["deliveries"]
        return all(d["state"] == "delivered" for d in deliveries)

    for submission_id in posted:
        wait_for(lambda s=submission_id: delivered(s), what="every FIT-Connect delivery")
    portals[HERTEN].close()

    # Then the Routing API was asked with the service's LeiKa key from the region and the body's ARS ...
    asked = fc.get("/_sim/routes").json()[asked_before:]
    expected = {(LEIKA[service], bodies[ags]) for service, ags in posted.values()}
    assert {(q["leikaKey"], q["ars"]) for q in asked} == expected
    assert all(q["found"] == 1 for q in asked)
    # ... and each submission names that key as its serviceType
    received = {
        s["metadata"]["additionalReferenceInfo"]["senderReference"]: s for s in fc.get("/_sim/submissions").json()
    }
    for service, ags in posted.values():
        identifier = received[f"FC-{service}-{ags}"]["serviceType"]["identifier"]
        assert identifier == f"urn:de:fim:leika:leistung:{LEIKA[service]}"


def test_a_rejected_submission_turns_dead_with_the_platforms_problems(hub: RunningHub, fc: httpx.Client) -> None:
    # Given a subscriber that rejects, naming its problems
    problems = [{"type": "missing-evidence", "title": "Einkommensnachweis fehlt", "detail": "Lohnabrechnungen"}]
    fc.put("/_sim/decision", json={"outcome": "reject", "problems": problems})

    # When the application is sent
    submission_id = _submit(hub, _sample())
    dead = wait_for(lambda: (d := _delivery(hub, submission_id))["state"] == "dead" and d, what="the rejection")

    # Then the delivery is dead with the problems listed, and the submission failed
    assert dead["status"] == "failed"
    assert "Einkommensnachweis fehlt: Lohnabrechnungen" in dead["lastError"]
    assert dead["receipt"]["problems"] == ["Einkommensnachweis fehlt: Lohnabrechnungen"]
    [event] = [e for e in _events(hub, submission_id) if e["kind"] == "dead"]
    assert event["detail"]["problems"] == ["Einkommensnachweis fehlt: Lohnabrechnungen"]


def test_a_set_with_a_broken_signature_changes_nothing_and_is_logged_as_an_attack(
    hub: RunningHub, fc: httpx.Client
) -> None:
    # Given a submitted application the platform has not decided on yet
    fc.put("/_sim/decision", json={"outcome": "none"})
    submission_id = _submit(hub, _sample())
    waiting = wait_for(
        lambda: ((d := _delivery(hub, submission_id)).get("receipt") or {}).get("awaitingAcceptance") and d,
        what="the submit",
    )
    ids = waiting["receipt"]["fitConnect"]

    # When a forged accept-submission SET (signed with a foreign key) appears in the event log
    with capture_logs() as logs:
        fc.post(
            "/_sim/forge",
            json={"caseId": ids["caseId"], "submissionId": ids["submissionId"], "event": "accept-submission"},
        )
        wait_for(lambda: any(e.get("kind") == "fitconnect-set-signature-invalid" for e in logs), what="the attack log")

    # Then the delivery still awaits acceptance and the forgery is logged as a security event
    after = _delivery(hub, submission_id)
    assert after["receipt"]["awaitingAcceptance"] is True
    assert "outcome" not in after["receipt"]
    assert "accepted" not in [e["kind"] for e in _events(hub, submission_id)]
    attack = next(e for e in logs if e.get("kind") == "fitconnect-set-signature-invalid")
    assert attack["event"] == "security_event"
    assert attack["log_level"] == "error"
    assert attack["submission_id"] == ids["submissionId"]


def test_an_application_not_accepted_in_time_is_flagged_once(
    database_url: str, tmp_path: Any, fitconnect: RunningFitConnect, fc: httpx.Client, secrets: None
) -> None:
    from tests.conftest import stop_hub
    from tests.sozialplattform.conftest import social_hub

    # Given a destination that wants acceptance within a second, and a platform that never decides
    fc.put("/_sim/decision", json={"outcome": "none"})
    hub = social_hub(database_url, tmp_path / "region", fitconnect, acceptWithinSeconds=1)
    try:
        # When an application is delivered and the second passes
        with capture_logs() as logs:
            submission_id = _submit(hub, _sample())
            wait_for(lambda: "acceptance_overdue" in [e["kind"] for e in _events(hub, submission_id)], what="the flag")
            time.sleep(1.0)  # several more poller passes (every 0.3 s) must not flag it again
        # Then it is flagged once (event and log), still delivered
        kinds = [e["kind"] for e in _events(hub, submission_id)]
        assert kinds.count("acceptance_overdue") == 1
        assert _delivery(hub, submission_id)["state"] == "delivered"
        assert any(e["event"] == "acceptance_overdue" for e in logs)
    finally:
        stop_hub(hub)


def test_callbacks_with_a_wrong_hmac_or_a_stale_timestamp_are_refused(hub: RunningHub) -> None:
    # Given a NEW_EVENTS callback body
    from hub.signing import signed_headers

    body = orjson.dumps({"type": "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"})
    url = f"{hub.url}/v1/fit-connect/callbacks/gladbeck-sozialplattform"

    # When it is signed with the wrong secret, too long ago, or correctly
    wrong = httpx.post(url, content=body, headers=signed_headers("not-the-secret", body))
    stale = httpx.post(url, content=body, headers=signed_headers(CALLBACK_SECRET, body, timestamp=1_700_000_000))
    unsigned = httpx.post(url, content=body)
    good = httpx.post(url, content=body, headers=signed_headers(CALLBACK_SECRET, body))

    # Then only the correctly signed, fresh one is taken
    assert [wrong.status_code, stale.status_code, unsigned.status_code] == [401, 401, 401]
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert good.status_code == 204


def test_a_signed_callback_makes_the_hub_read_the_outcome_at_once(
    database_url: str, tmp_path: Any, fitconnect: RunningFitConnect, fc: httpx.Client, secrets: None
) -> None:
    from tests.conftest import make_settings, start_hub, stop_hub
    from tests.support.fitconnect import STANDARDS, write_fitconnect_region

    # Given a hub that would poll only every ten minutes, and a platform that calls back
    region = write_fitconnect_region(tmp_path / "region", fitconnect)
    hub = start_hub(make_settings(database_url, region, schema_path=str(STANDARDS), outcome_poll_interval_seconds=600))
    fc.put(
        "/_sim/callback",
        json={"url": f"{hub.url}/v1/fit-connect/callbacks/gladbeck-sozialplattform", "secret": CALLBACK_SECRET},
    )
    try:
        # When an application is accepted by the platform
        submission_id = _submit(hub, _sample())

        # Then the signed callback makes the hub learn it within seconds, not minutes
        wait_for(
            lambda: (_delivery(hub, submission_id).get("receipt") or {}).get("outcome") == "accepted",
            # Well under the ten-minute poll; generous because a loaded CI machine is slow to schedule.
            timeout=45,
            what="the acceptance after the callback",
        )
    finally:
        stop_hub(hub)


def test_a_busy_platform_is_retried_honouring_retry_after(hub: RunningHub, fc: httpx.Client) -> None:
    # Given a Submission API that answers 429 (Retry-After: 1) once, then 503 once
    fc.post("/_sim/faults", json={"system": "submission", "mode": "status", "status": 429, "retryAfter": 1, "count": 1})
    fc.post("/_sim/faults", json={"system": "submission", "mode": "status", "status": 503, "count": 1})

    # When an application is sent
    submission_id = _submit(hub, _sample())

    # Then it is retried and accepted in the end
    done = wait_for(
        lambda: ((d := _delivery(hub, submission_id)).get("receipt") or {}).get("outcome") == "accepted" and d,
        what="the acceptance after the faults",
    )
    assert done["attempts"] == 3


def test_a_route_whose_signature_is_forged_is_refused_and_logged_as_an_attack(
    hub: RunningHub, fc: httpx.Client
) -> None:
    # Given a Routing API whose answers carry a destinationSignature made with a foreign key
    fc.put("/_sim/routes", json={"forgeSignatures": True}).raise_for_status()
    before = len(fc.get("/_sim/submissions").json())

    # When an application is sent
    with capture_logs() as logs:
        submission_id = _submit(hub, _sample())
        dead = wait_for(lambda: (d := _delivery(hub, submission_id))["state"] == "dead" and d, what="the refusal")

    # Then nothing was submitted, the delivery is dead naming the route, and the forgery is logged
    assert "route to" in dead["lastError"]
    assert "signature does not verify" in dead["lastError"]
    assert len(fc.get("/_sim/submissions").json()) == before
    attack = next(e for e in logs if e.get("kind") == "fitconnect-route-signature-invalid")
    assert attack["event"] == "security_event"
    assert attack["log_level"] == "error"
