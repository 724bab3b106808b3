"""The fault modes ``trickle``, ``html`` and ``reset``, over real HTTP, and that every HTTP simulator takes them.

Timing bounds are loose on purpose (a loaded machine is slow, never fast): a trickle of one byte
every 10 ms over a body of about 130 bytes must take at least 80 % of 130 × 10 ms.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from hub.schemas import SchemaCatalog
from hub.sim.backoffice import create_backoffice_app
from hub.sim.dms import create_dms_app
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.faults import DEFAULT_TRICKLE_INTERVAL_MS, PROXY_ERROR_PAGE
from hub.sim.kit.server import ServerThread
from hub.sim.soap_vendor import create_soap_vendor_app


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_backoffice_app()) as srv:
        yield srv


@pytest.fixture
def sim(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        client.delete("/_sim/faults").raise_for_status()
        client.delete("/_sim/messages").raise_for_status()
        yield client
        client.delete("/_sim/faults").raise_for_status()


def arm(client: httpx.Client, **rule: Any) -> dict[str, Any]:
    answer = client.post("/_sim/faults", json=rule)
    assert answer.status_code == 201, answer.text
    armed: dict[str, Any] = answer.json()
    return armed


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from (httpx → httpcore → the OS error)."""
    current: BaseException | None = exc
    while current is not None:
        yield current
        current = current.__cause__ or current.__context__


def post(url: str, message_id: str, **kwargs: Any) -> httpx.Response:
    """One delivery on a fresh connection (a reset must not take the control connection with it)."""
    body = {"antrag": "Sperrmüll", "id": message_id}
    return httpx.post(f"{url}/systems/gladbeck/messages", json=body, headers={"Idempotency-Key": message_id}, **kwargs)


def test_trickle_sends_the_normal_answer_one_byte_at_a_time(server: ServerThread, sim: httpx.Client) -> None:
    # Given a trickle of one byte every 10 ms
    assert arm(sim, mode="trickle", intervalMs=10, count=1)["intervalMs"] == 10

    # When a message is delivered, reading the answer as it arrives
    started = time.monotonic()
    chunks: list[bytes] = []
    with (
        httpx.Client(timeout=10.0) as client,
        client.stream(
            "POST",
            f"{server.url}/systems/gladbeck/messages",
            json={"antrag": "Sperrmüll"},
            headers={"Idempotency-Key": "trickle-1"},
        ) as answer,
    ):
        chunks.extend(answer.iter_raw())
        status = answer.status_code
    took = time.monotonic() - started

    # Then it is the back office's usual receipt, stored, and it came byte by byte
    body = b"".join(chunks)
    assert status == 201
    assert httpx.Response(201, content=body).json()["messageId"] == "trickle-1"
    assert max(len(c) for c in chunks) == 1
    assert took >= 0.8 * len(body) * 0.010, took
    assert [m["messageId"] for m in sim.get("/_sim/messages").json()] == ["trickle-1"]


def test_trickle_defaults_to_one_byte_every_two_seconds(sim: httpx.Client) -> None:
    # When a trickle is armed without an interval, Then the rule says the default
    assert arm(sim, mode="trickle")["intervalMs"] == DEFAULT_TRICKLE_INTERVAL_MS == 2000


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"mode": "html", "intervalMs": 10}, "intervalMs belongs to mode trickle"),
        ({"mode": "trickle", "intervalMs": -1}, "intervalMs must not be negative"),
        ({"mode": "trickle", "intervalMs": "fast"}, "intervalMs must be a int"),
        ({"mode": "reset", "faultCode": "Server"}, "unknown fault field"),
    ],
)
def test_malformed_rules_are_refused(sim: httpx.Client, rule: dict[str, Any], problem: str) -> None:
    # When a malformed rule is posted, Then it is refused with what is wrong
    answer = sim.post("/_sim/faults", json=rule)
    assert answer.status_code == 400
    assert problem in answer.text


@pytest.mark.parametrize(("status", "expected"), [(None, 200), (502, 502)])
def test_html_answers_a_proxys_error_page(
    server: ServerThread, sim: httpx.Client, status: int | None, expected: int
) -> None:
    # Given an html fault (status 200 unless given)
    arm(sim, mode="html", count=1, **({"status": status} if status else {}))

    # When a message is delivered
    answer = post(server.url, "html-1")

    # Then a reverse proxy's page came back, and the back office never saw the message
    assert answer.status_code == expected
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text == PROXY_ERROR_PAGE
    assert sim.get("/_sim/messages").json() == []


def test_reset_aborts_the_connection_and_the_simulator_keeps_serving(server: ServerThread, sim: httpx.Client) -> None:
    # Given a reset fault for one request
    arm(sim, mode="reset", count=1)

    # When a message is delivered
    with pytest.raises(httpx.ReadError) as raised:
        post(server.url, "reset-1")

    # Then the client saw a connection reset by the peer, not an answer nor an orderly close
    assert any(isinstance(e, ConnectionResetError) for e in causes(raised.value))

    # And the simulator, and the control connection, carry on
    assert post(server.url, "reset-2").status_code == 201
    assert [m["messageId"] for m in sim.get("/_sim/messages").json()] == ["reset-2"]


def test_reset_with_record_first_commits_the_message_and_loses_the_answer(
    server: ServerThread, sim: httpx.Client
) -> None:
    # Given a reset that strikes after the back office stored the message
    arm(sim, mode="reset", count=1, recordFirst=True)

    # When the message is delivered twice (the retry after the lost answer)
    with pytest.raises(httpx.ReadError):
        post(server.url, "reset-3")
    again = post(server.url, "reset-3")

    # Then the retry is answered as a repeat of the stored message
    assert again.status_code == 200
    assert again.json()["duplicate"] is True


def _fitconnect() -> ASGIApp:
    return FitConnectSimulator(SchemaCatalog.from_env(), {"client": "secret"})


@pytest.mark.parametrize(
    "make_app",
    [create_backoffice_app, lambda: create_dms_app(SchemaCatalog.from_env()), create_soap_vendor_app, _fitconnect],
    ids=["backoffice", "dms", "soap-vendor", "fitconnect"],
)
def test_every_http_simulator_accepts_the_new_modes(make_app: Any) -> None:
    # Given each HTTP simulator that keeps its rules in a FaultBook
    with ServerThread(make_app()) as srv, httpx.Client(base_url=srv.url, timeout=10.0) as control:
        # When the fault suite's rules are posted, exactly as it words them
        rules = [{"mode": "trickle", "intervalMs": 2000}, {"mode": "html"}, {"mode": "reset"}]
        answers = [control.post("/_sim/faults", json=rule) for rule in rules]

        # Then each is armed
        assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
        assert [r["mode"] for r in control.get("/_sim/faults").json()] == ["trickle", "html", "reset"]
