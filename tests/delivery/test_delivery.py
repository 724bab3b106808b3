"""Delivery end to end against the back-office simulator over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import write_region
from tests.support.waiting import wait_for


def submit(hub: RunningHub, **changes: Any) -> str:
    answer = hub.api.post("/v1/submissions", json=sample(**changes))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def status_of(hub: RunningHub, submission_id: str) -> dict[str, Any]:
    return hub.api.get(f"/v1/submissions/{submission_id}").json()  # type: ignore[no-any-return]


def events_of(hub: RunningHub, submission_id: str) -> list[dict[str, Any]]:
    return hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"]  # type: ignore[no-any-return]


def wait_status(hub: RunningHub, submission_id: str, wanted: str, timeout: float = 20) -> dict[str, Any]:
    return wait_for(
        lambda: (s := status_of(hub, submission_id))["status"] == wanted and s,
        timeout=timeout,
        what=f"status {wanted}",
    )


def test_submission_reaches_the_backoffice_and_reads_delivered(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a running hub and a healthy back office
    # When a Hundesteuer-Anmeldung for Gladbeck is submitted
    submission_id = submit(hub)

    # Then it is delivered, the receiver holds the mapped message once, and the receipt is shown
    status = wait_status(hub, submission_id, "delivered")
    delivery = status["deliveries"][0]
    assert delivery["state"] == "delivered"
    assert delivery["attempts"] == 1
    received = sim.get("/_sim/messages", params={"system": "gladbeck"}).json()
    assert len(received) == 1
    message = received[0]
    assert message["messageId"] == delivery["messageId"]
    assert delivery["receipt"]["reference"] == message["receiptId"]
    assert message["body"]["nachricht"]["einreichungId"] == submission_id
    assert message["body"]["vorgang"]["gemeindeschluessel"] == "05562014"
    kinds = [e["kind"] for e in events_of(hub, submission_id)]
    assert kinds[:2] == ["received", "routed"]
    assert {"attempt", "delivered", "status_changed"} <= set(kinds)


def test_503_for_the_first_n_calls_then_delivered_on_attempt_n_plus_1_following_backoff(
    hub: RunningHub, sim: httpx.Client
) -> None:
    # Given a receiver that answers 503 to its next 3 calls (policy: 0.2 s doubling, no jitter)
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 3, "reason": "Wartung"})

    # When a submission is made
    submission_id = submit(hub)

    # Then it is delivered on attempt 4, and the attempts are spaced 0.2, 0.4, 0.8 s apart
    status = wait_status(hub, submission_id, "delivered")
    assert status["deliveries"][0]["attempts"] == 4
    attempts = [e for e in events_of(hub, submission_id) if e["kind"] == "attempt"]
    assert [a["detail"]["outcome"] for a in attempts] == ["transient"] * 3 + ["ok"]
    assert [a["detail"].get("statusCode") for a in attempts] == [503, 503, 503, 201]
    starts = [datetime.fromisoformat(a["detail"]["startedAt"]) for a in attempts]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    for gap, expected in zip(gaps, [0.2, 0.4, 0.8], strict=True):
        assert expected - 0.02 <= gap <= expected + 0.5, gaps
    retries = [e for e in events_of(hub, submission_id) if e["kind"] == "retry_scheduled"]
    assert len(retries) == 3
    assert len(sim.get("/_sim/messages").json()) == 1


def test_retry_after_is_honoured(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a receiver that answers 429 with Retry-After: 2 once
    sim.post("/_sim/faults", json={"mode": "status", "status": 429, "count": 1, "retryAfter": 2})

    # When a submission is made
    submission_id = submit(hub)

    # Then the second attempt waits at least the 2 s asked for (the policy alone would wait 0.2 s)
    wait_status(hub, submission_id, "delivered")
    attempts = [e for e in events_of(hub, submission_id) if e["kind"] == "attempt"]
    starts = [datetime.fromisoformat(a["detail"]["startedAt"]) for a in attempts]
    assert (starts[1] - starts[0]).total_seconds() >= 1.95


def test_400_makes_the_delivery_dead_at_once_and_replay_delivers_it(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a receiver that refuses the next message with 400 and a reason
    sim.post("/_sim/faults", json={"mode": "status", "status": 400, "count": 1, "reason": "Aktenzeichen fehlt"})

    # When a submission is made
    submission_id = submit(hub)

    # Then it is dead after one attempt with the receiver's reason
    status = wait_status(hub, submission_id, "failed")
    dead = status["deliveries"][0]
    assert dead["state"] == "dead"
    assert dead["attempts"] == 1
    assert "Aktenzeichen fehlt" in dead["lastError"]
    assert sim.get("/_sim/stats").json()["requests"] == 1

    # When the operator replays it after the receiver was fixed
    with hub.client(hub.operator_key) as ops:
        listed = ops.get("/v1/operator/deliveries", params={"state": "dead"}).json()
        assert [d["submissionId"] for d in listed] == [submission_id]
        replayed = ops.post("/v1/operator/replay", json={"destination": "gladbeck-fachverfahren"}).json()
    assert replayed["count"] == 1

    # Then it is delivered, and the log shows dead, replayed and delivered in that order
    wait_status(hub, submission_id, "delivered")
    kinds = [e["kind"] for e in events_of(hub, submission_id)]
    assert kinds.index("dead") < kinds.index("replayed") < kinds.index("delivered")
    assert len(sim.get("/_sim/messages").json()) == 1


def test_attempts_exhausted_make_the_delivery_dead(
    database_url: str, tmp_path: Path, backoffice: Any, sim: httpx.Client
) -> None:
    # Given a destination allowing 3 attempts and a receiver that always answers 500
    region = write_region(
        tmp_path / "r", backoffice.url, retry={"initialSeconds": 0.05, "multiplier": 1, "jitter": 0, "maxAttempts": 3}
    )
    running = start_hub(make_settings(database_url, region))
    try:
        sim.post("/_sim/faults", json={"mode": "status", "status": 500, "reason": "kaputt"})

        # When a submission is made
        submission_id = submit(running)

        # Then it is dead after exactly 3 attempts, naming the last error
        dead = wait_status(running, submission_id, "failed")["deliveries"][0]
        assert dead["attempts"] == 3
        assert "gave up after 3 attempts" in dead["lastError"]
        assert sim.get("/_sim/stats").json()["requests"] == 3
    finally:
        stop_hub(running)


@pytest.mark.parametrize("mode", ["timeout", "drop"])
def test_timeouts_and_dropped_connections_are_retried(
    database_url: str, tmp_path: Path, backoffice: Any, sim: httpx.Client, mode: str
) -> None:
    # Given a destination with a 0.5 s timeout, and a receiver that hangs or drops the connection once
    region = write_region(tmp_path / "r", backoffice.url, timeout_seconds=0.5)
    running = start_hub(make_settings(database_url, region))
    try:
        sim.post("/_sim/faults", json={"mode": mode, "count": 1, "latencyMs": 3000})

        # When a submission is made
        submission_id = submit(running)

        # Then the first attempt fails as transient and the second delivers it
        status = wait_status(running, submission_id, "delivered")
        assert status["deliveries"][0]["attempts"] == 2
        first = next(e for e in events_of(running, submission_id) if e["kind"] == "attempt")
        assert first["detail"]["outcome"] == "transient"
    finally:
        stop_hub(running)


def test_circuit_opens_after_consecutive_failures_and_a_probe_closes_it(
    database_url: str, tmp_path: Path, backoffice: Any, sim: httpx.Client
) -> None:
    # Given a breaker opening after 2 failures for 1.5 s, and a receiver failing its next 2 calls
    region = write_region(
        tmp_path / "r",
        backoffice.url,
        circuit={"failureThreshold": 2, "openSeconds": 1.5},
        retry={"initialSeconds": 0.05, "multiplier": 1, "jitter": 0, "maxAttempts": 10},
    )
    running = start_hub(make_settings(database_url, region))
    try:
        sim.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 2})

        # When a submission is made
        submission_id = submit(running)

        # Then after two failures no request reaches the receiver while the circuit is open,
        # and the half-open probe delivers it
        status = wait_status(running, submission_id, "delivered")
        assert status["deliveries"][0]["attempts"] == 3
        attempts = [e for e in events_of(running, submission_id) if e["kind"] == "attempt"]
        starts = [datetime.fromisoformat(a["detail"]["startedAt"]) for a in attempts]
        assert (starts[2] - starts[1]).total_seconds() >= 1.4
        assert sim.get("/_sim/stats").json()["requests"] == 3
    finally:
        stop_hub(running)


def test_a_broken_destination_does_not_slow_the_others(
    database_url: str, tmp_path: Path, backoffice: Any, sim: httpx.Client
) -> None:
    # Given Herten's back office hanging until timeout (2 s) and a concurrency limit of 1 per destination
    region = write_region(tmp_path / "r", backoffice.url, timeout_seconds=2, concurrency=1)
    running = start_hub(make_settings(database_url, region, worker_threads=2))
    try:
        sim.post("/_sim/faults", json={"system": "herten", "mode": "timeout", "latencyMs": 10_000})
        herten = sample(municipality="05562020")
        with running.client(running.herten_key) as h:
            for _ in range(6):
                assert h.post("/v1/submissions", json=herten).status_code == 202

        # When Gladbeck submits right after
        gladbeck_ids = [submit(running) for _ in range(5)]

        # Then Gladbeck's are delivered promptly although Herten's hold their slot
        for submission_id in gladbeck_ids:
            wait_status(running, submission_id, "delivered", timeout=4)
    finally:
        sim.delete("/_sim/faults")
        stop_hub(running)


def test_the_portals_correlation_id_travels_with_the_message(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a portal that sends its own correlation id
    answer = hub.api.post("/v1/submissions", json=sample(), headers={"X-Correlation-Id": "portal-trace-4711"})
    assert answer.headers["x-correlation-id"] == "portal-trace-4711"

    # When the submission is delivered
    wait_status(hub, answer.json()["id"], "delivered")

    # Then the receiver got the same id with the message
    (message,) = sim.get("/_sim/messages").json()
    assert message["headers"]["x-correlation-id"] == "portal-trace-4711"
