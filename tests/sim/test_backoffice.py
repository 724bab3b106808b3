"""The back-office simulator over real HTTP: idempotent storage, auth and every injectable fault."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.sim.backoffice import create_backoffice_app
from hub.sim.kit.server import ServerThread

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_backoffice_app()) as srv:
        yield srv


@pytest.fixture
def sim(server: ServerThread) -> Iterator[httpx.Client]:
    """A client on a simulator with no messages, counters or faults left by earlier tests."""
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        client.delete("/_sim/faults").raise_for_status()
        client.delete("/_sim/messages").raise_for_status()
        yield client


def deliver(
    client: httpx.Client,
    message_id: str | None,
    body: Any = None,
    *,
    system: str = "gladbeck",
    **kwargs: Any,
) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}))
    if message_id is not None:
        headers["Idempotency-Key"] = message_id
    payload = body if body is not None else {"antrag": "Gewerbeanmeldung", "id": message_id}
    return client.post(f"/systems/{system}/messages", json=payload, headers=headers, **kwargs)


def add_fault(client: httpx.Client, **rule: Any) -> dict[str, Any]:
    response = client.post("/_sim/faults", json=rule)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def stats(client: httpx.Client) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/_sim/stats").json()
    return result


def stored_ids(client: httpx.Client, system: str | None = None) -> list[str]:
    params = {"system": system} if system else {}
    return [m["messageId"] for m in client.get("/_sim/messages", params=params).json()]


def wait_until_idle(client: httpx.Client, timeout: float = 2.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (current := stats(client))["inFlight"] and time.monotonic() < deadline:
        time.sleep(0.01)
    return current


def test_health_check_answers(sim: httpx.Client) -> None:
    # When
    response = sim.get("/healthz")

    # Then
    assert response.status_code == 200


def test_new_message_is_stored_and_answered_with_a_receipt(sim: httpx.Client) -> None:
    # Given
    body = {"antrag": {"art": "Gewerbeanmeldung", "plz": "45964"}}

    # When
    response = deliver(sim, "msg-1", body, headers={"X-Correlation-Id": "corr-9"})

    # Then
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["messageId"] == "msg-1"
    assert receipt["system"] == "gladbeck"
    assert receipt["receiptId"]
    assert receipt["receivedAt"].endswith("Z")
    stored = sim.get("/_sim/messages/msg-1").json()
    assert stored["body"] == body
    assert stored["receiptId"] == receipt["receiptId"]
    assert stored["headers"] == {
        "idempotency-key": "msg-1",
        "content-type": "application/json",
        "x-correlation-id": "corr-9",
    }


def test_redelivery_is_discarded_and_answered_with_the_original_receipt(sim: httpx.Client) -> None:
    # Given
    first = deliver(sim, "msg-1").json()

    # When
    again = deliver(sim, "msg-1")

    # Then
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert stored_ids(sim) == ["msg-1"]
    assert stats(sim)["duplicates"] == 1


def test_the_same_id_for_two_systems_is_two_messages(sim: httpx.Client) -> None:
    # When
    deliver(sim, "msg-1", system="gladbeck")
    response = deliver(sim, "msg-1", system="dorsten")

    # Then
    assert response.status_code == 201
    assert stats(sim)["bySystem"] == {"gladbeck": 1, "dorsten": 1}


def test_delivery_without_idempotency_key_is_refused(sim: httpx.Client) -> None:
    # When
    response = deliver(sim, None)

    # Then
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]
    assert stored_ids(sim) == []


def test_invalid_json_is_refused(sim: httpx.Client) -> None:
    # When
    response = sim.post("/systems/gladbeck/messages", content=b"{not json", headers={"Idempotency-Key": "m"})

    # Then
    assert response.status_code == 400
    assert stored_ids(sim) == []


def test_bearer_token_is_required_when_configured() -> None:
    # Given
    with (
        ServerThread(create_backoffice_app(token=TOKEN)) as srv,
        httpx.Client(base_url=srv.url) as client,
    ):
        # When
        missing = deliver(client, "m1")
        wrong = deliver(client, "m1", headers={"Authorization": "Bearer nope"})
        right = deliver(client, "m1", headers={"Authorization": f"Bearer {TOKEN}"})

        # Then
        assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 201)
        assert missing.headers["www-authenticate"] == "Bearer"
        assert stored_ids(client) == ["m1"]


def test_next_n_requests_fail_with_503_and_retry_after_then_succeed(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="status", status=503, count=2, retryAfter=7, reason="Wartung")

    # When
    answers = [deliver(sim, "msg-1") for _ in range(3)]

    # Then
    assert [a.status_code for a in answers] == [503, 503, 201]
    assert answers[0].headers["retry-after"] == "7"
    assert answers[0].json()["detail"] == "Wartung"
    assert sim.get("/_sim/faults").json() == []
    assert stats(sim) | {"bySystem": None} == {
        "requests": 3,
        "received": 1,
        "duplicates": 0,
        "faulted": 2,
        "inFlight": 0,
        "parallel": 0,
        "answering": 0,
        "bySystem": None,
        "peakOpenBySystem": {"gladbeck": 1},
    }


def test_permanent_rejection_carries_the_reason_in_the_detail(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="status", status=400, reason="Aktenzeichen fehlt", count=1)

    # When
    response = deliver(sim, "msg-1")

    # Then
    assert response.status_code == 400
    assert response.json()["detail"] == "Aktenzeichen fehlt"
    assert stored_ids(sim) == []


def test_rule_without_count_stays_until_cleared(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="status", status=500)

    # When
    failing = [deliver(sim, f"m{i}").status_code for i in range(3)]
    sim.delete("/_sim/faults")
    healed = deliver(sim, "m9")

    # Then
    assert failing == [500, 500, 500]
    assert healed.status_code == 201


def test_latency_delays_the_answer_but_stores_normally(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="latency", latencyMs=200, count=1)

    # When
    started = time.monotonic()
    response = deliver(sim, "msg-1")
    elapsed = time.monotonic() - started

    # Then
    assert response.status_code == 201
    assert elapsed >= 0.2
    assert stored_ids(sim) == ["msg-1"]


def test_timeout_is_seen_by_the_client_as_a_read_timeout(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="timeout", latencyMs=3000, count=1)

    # When
    with pytest.raises(httpx.ReadTimeout):
        deliver(sim, "msg-1", timeout=0.5)

    # Then the simulator notices the client gave up and does not keep the request open
    assert wait_until_idle(sim)["inFlight"] == 0
    assert stored_ids(sim) == []


def test_timeout_answers_504_to_a_client_that_waits_longer(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="timeout", latencyMs=100, count=1)

    # When
    response = deliver(sim, "msg-1")

    # Then
    assert response.status_code == 504
    assert stored_ids(sim) == []


def test_drop_breaks_the_connection_mid_response(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="drop", count=1)

    # When
    with pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"):
        deliver(sim, "msg-1")

    # Then
    assert stored_ids(sim) == []
    assert deliver(sim, "msg-1").status_code == 201


def test_record_first_commits_the_message_although_the_answer_is_lost(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, mode="drop", recordFirst=True, count=1)

    # When
    with pytest.raises(httpx.TransportError):
        deliver(sim, "msg-1")
    retry = deliver(sim, "msg-1")

    # Then
    assert stored_ids(sim) == ["msg-1"]
    assert retry.status_code == 200
    assert retry.json()["duplicate"] is True
    assert retry.json()["receiptId"] == sim.get("/_sim/messages/msg-1").json()["receiptId"]


def test_fault_scoped_to_one_system_leaves_the_others_healthy(sim: httpx.Client) -> None:
    # Given
    add_fault(sim, system="gladbeck", mode="status", status=503)

    # When
    gladbeck = deliver(sim, "m1", system="gladbeck")
    dorsten = deliver(sim, "m2", system="dorsten")

    # Then
    assert (gladbeck.status_code, dorsten.status_code) == (503, 201)
    assert stored_ids(sim, "dorsten") == ["m2"]
    assert stored_ids(sim, "gladbeck") == []


def test_invalid_fault_rules_are_refused(sim: httpx.Client) -> None:
    # When
    typo = sim.post("/_sim/faults", json={"mode": "status", "retry_after": 5})
    bad_mode = sim.post("/_sim/faults", json={"mode": "explode"})
    zero = sim.post("/_sim/faults", json={"mode": "status", "count": 0})

    # Then
    assert [r.status_code for r in (typo, bad_mode, zero)] == [400, 400, 400]
    assert "retry_after" in typo.json()["detail"]
    assert sim.get("/_sim/faults").json() == []


def test_stats_count_and_reset_forgets(sim: httpx.Client) -> None:
    # Given
    deliver(sim, "m1", system="gladbeck")
    deliver(sim, "m1", system="gladbeck")
    deliver(sim, "m2", system="marl")

    # When
    before = stats(sim)
    sim.delete("/_sim/messages")
    after = stats(sim)

    # Then
    assert before == {
        "requests": 3,
        "received": 2,
        "duplicates": 1,
        "faulted": 0,
        "inFlight": 0,
        "parallel": 0,
        "answering": 0,
        "bySystem": {"gladbeck": 1, "marl": 1},
        "peakOpenBySystem": {"gladbeck": 1, "marl": 1},
    }
    assert after["received"] == after["requests"] == after["duplicates"] == 0
    assert sim.get("/_sim/messages/m1").status_code == 404


def test_server_threads_get_distinct_free_ports_and_stop_cleanly() -> None:
    # Given
    first, second = ServerThread(create_backoffice_app()), ServerThread(create_backoffice_app())

    # When
    with first, second:
        ports = {first.port, second.port}
        healthy = [httpx.get(f"{s.url}/healthz").status_code for s in (first, second)]

    # Then
    assert len(ports) == 2
    assert healthy == [200, 200]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{first.url}/healthz")
