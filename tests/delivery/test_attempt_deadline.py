"""Every HTTP attempt is bounded as a whole, and a 2xx that is not the receiver's answer is retried.

Against the real back-office simulator (and small real servers for answers no simulator gives):
a receiver that trickles its answer one byte at a time, each read quick, is cut off at the
attempt's deadline; an answer above ``maxAnswerBytes`` fails; a proxy's HTML page or truncated JSON
with 200 is a ``TransientError``, never permanent and never a receipt.

Bounds, generous for a loaded machine: an attempt of 2 s must end within 6 s (the deadline plus
scheduling slack), and must not end before 1.9 s.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from connectors.fachverfahren.rest import RestConnector
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage
from hub.connectors.callback import PortalCallbackConnector
from hub.connectors.deadline import AnswerTooLarge, AttemptTimeout, attempt_deadline
from hub.errors import PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from hub.sim.backoffice import create_backoffice_app
from hub.sim.kit.server import ServerThread
from tests.support.tls import TlsServerThread, make_pki

DEADLINE = 2.0
LATEST = 6.0


def rest_connector(url: str, **settings: Any) -> RestConnector:
    destination = Destination(
        id="gladbeck-fachverfahren",
        name="Fachverfahren Gladbeck",
        connector="fachverfahren-rest",
        settings={"url": url, "timeoutSeconds": 10, **settings},
    )
    return RestConnector(destination, ConnectorContext(mappings=MappingCatalog([])))


def message() -> OutboundMessage:
    message_id = str(uuid.uuid4())
    body = orjson.dumps({"antrag": "Hundesteuer", "nachricht": {"nachrichtId": message_id}})
    return OutboundMessage(message_id=message_id, media_type="application/json", body=body)


@pytest.fixture
def connector(backoffice: ServerThread, sim: httpx.Client) -> Iterator[RestConnector]:
    rest = rest_connector(f"{backoffice.url}/systems/gladbeck/messages")
    yield rest
    rest.close()


def arm(sim: httpx.Client, **rule: Any) -> None:
    answer = sim.post("/_sim/faults", json=rule)
    assert answer.status_code == 201, answer.text


@contextmanager
def serving(*routes: Route) -> Iterator[str]:
    """A small real receiver for answers the simulators do not give; yields its base URL."""
    with ServerThread(Starlette(routes=list(routes))) as server:
        yield server.url


def test_a_trickling_answer_is_cut_off_at_the_attempt_deadline(connector: RestConnector, sim: httpx.Client) -> None:
    # Given a back office that sends its answer one byte every 250 ms: each read is quick (well
    # under the 10 s timeoutSeconds), the whole answer of some 130 bytes would take over 30 s
    arm(sim, mode="trickle", intervalMs=250, count=1)

    # When the connector sends under an attempt deadline of 2 s
    started = time.monotonic()
    with pytest.raises(AttemptTimeout, match="2 s"), attempt_deadline(DEADLINE):
        connector.send(message())
    took = time.monotonic() - started

    # Then the attempt ended at its deadline, not one read (nor thirty s) later
    assert 1.9 <= took < LATEST, took

    # And the next attempt on the same connector goes through (the cut connection is not reused)
    with attempt_deadline(DEADLINE):
        receipt = connector.send(message())
    assert receipt.status_code == 201
    assert receipt.reference


def test_a_quick_trickle_within_the_deadline_is_delivered(connector: RestConnector, sim: httpx.Client) -> None:
    # Given a back office trickling its answer fast enough to finish well within the deadline
    arm(sim, mode="trickle", intervalMs=2, count=1)

    # When the connector sends under the deadline
    with attempt_deadline(10.0):
        receipt = connector.send(message())

    # Then the answer is read in full: the back office's receipt
    assert receipt.status_code == 201
    assert receipt.reference


def test_an_answer_announced_above_the_cap_fails_the_attempt(connector: RestConnector, sim: httpx.Client) -> None:
    # Given a cap of 64 bytes and the back office's receipt of some 130 (with Content-Length)
    # When the connector sends
    with pytest.raises(AnswerTooLarge, match="64"), attempt_deadline(DEADLINE, max_answer_bytes=64):
        connector.send(message())


def test_a_streamed_answer_fails_once_it_passes_the_cap() -> None:
    # Given a receiver streaming 4 MiB without Content-Length (chunked)
    async def flood(request: Request) -> Response:
        async def chunks() -> Any:
            for _ in range(4096):
                yield b"x" * 1024

        return StreamingResponse(chunks(), status_code=201, media_type="application/json")

    with serving(Route("/in", flood, methods=["POST"])) as url:
        rest = rest_connector(f"{url}/in")
        try:
            # When the connector sends with a cap of 64 KiB
            with pytest.raises(AnswerTooLarge, match="65536"), attempt_deadline(DEADLINE, max_answer_bytes=64 * 1024):
                rest.send(message())
        finally:
            rest.close()


@pytest.mark.parametrize("status", [200, 201])
def test_a_proxys_html_page_with_2xx_is_transient(connector: RestConnector, sim: httpx.Client, status: int) -> None:
    # Given a proxy in front of the back office answering its own HTML page with a 2xx
    arm(sim, mode="html", status=status, count=1)

    # When the connector sends
    with pytest.raises(TransientError, match="text/html") as raised, attempt_deadline(DEADLINE):
        connector.send(message())

    # Then the attempt is retried (not dead), with the page's start kept for the operator
    assert not isinstance(raised.value, PermanentError)
    assert raised.value.status_code == status
    assert "Bad Gateway" in (raised.value.response_excerpt or "")


def test_truncated_json_with_200_is_transient() -> None:
    # Given a receiver (an intermediary cutting the answer) sending half a JSON document, complete
    # as HTTP (its Content-Length matches)
    async def truncated(request: Request) -> Response:
        return Response(b'{"receiptId": "4711', status_code=200, media_type="application/json")

    with serving(Route("/in", truncated, methods=["POST"])) as url:
        rest = rest_connector(f"{url}/in")
        try:
            # When the connector sends
            with pytest.raises(TransientError, match="truncated JSON") as raised, attempt_deadline(DEADLINE):
                rest.send(message())
        finally:
            rest.close()

    # Then it is retried, not dead
    assert not isinstance(raised.value, PermanentError)


def test_a_reset_connection_is_transient(connector: RestConnector, sim: httpx.Client) -> None:
    # Given a back office whose connection is reset before it answers
    arm(sim, mode="reset", count=1)

    # When the connector sends, Then the attempt is retried
    with pytest.raises(TransientError, match="transport error") as raised, attempt_deadline(DEADLINE):
        connector.send(message())
    assert not isinstance(raised.value, PermanentError | AttemptTimeout)


def test_trickling_headers_are_cut_off_at_the_deadline_too() -> None:
    # Given a raw receiver that sends its status line and headers one byte every 200 ms
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    answer = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    stop = threading.Event()

    def trickle_headers() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            for byte in answer:
                if stop.wait(0.2):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    server = threading.Thread(target=trickle_headers, daemon=True)
    server.start()
    rest = rest_connector(f"http://127.0.0.1:{port}/in")
    try:
        # When the connector sends under the deadline
        started = time.monotonic()
        with pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
            rest.send(message())
        took = time.monotonic() - started
    finally:
        stop.set()
        rest.close()
        listener.close()
        server.join(5)

    # Then the attempt ended at its deadline although no single read was slow
    assert 1.9 <= took < LATEST, took


def test_no_deadline_means_todays_behaviour(connector: RestConnector, sim: httpx.Client) -> None:
    # Given no attempt deadline (intake, tools) and a large answer cap not in force
    # When the connector sends, Then it is delivered as before
    receipt = connector.send(message())
    assert receipt.status_code == 201


def test_a_status_callback_answered_with_an_html_page_is_transient() -> None:
    # Given a portal whose callback URL is behind a login wall answering HTML with 200
    async def login_wall(request: Request) -> Response:
        return Response("<html><body>Bitte anmelden</body></html>", status_code=200, media_type="text/html")

    async def portal(request: Request) -> Response:
        return Response(status_code=204)

    with serving(Route("/wall", login_wall, methods=["POST"]), Route("/ok", portal, methods=["POST"])) as url:
        callbacks = {
            path: PortalCallbackConnector(
                Destination(
                    id=f"callback-{path}",
                    name="Portal",
                    connector="portal-callback",
                    settings={"url": f"{url}/{path}", "secret": "s3cr3t"},
                ),
                ConnectorContext(mappings=MappingCatalog([])),
            )
            for path in ("wall", "ok")
        }
        change = OutboundMessage(str(uuid.uuid4()), "application/json", b'{"status": "delivered"}')
        try:
            # When the hub sends a status callback to each
            with pytest.raises(TransientError, match="HTML page"), attempt_deadline(DEADLINE):
                callbacks["wall"].send(change)
            with attempt_deadline(DEADLINE):
                receipt = callbacks["ok"].send(change)
        finally:
            for callback in callbacks.values():
                callback.close()

    # Then the login wall's page is retried, and the portal's own empty answer is a receipt
    assert receipt.status_code == 204


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def only_proxies(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_an_environment_proxy_carries_the_request_under_the_deadline(
    backoffice: ServerThread, sim: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given HTTP_PROXY naming the simulator (it serves the proxy's absolute-form requests), and a
    # receiver host that does not resolve: only the proxy can deliver
    only_proxies(monkeypatch, HTTP_PROXY=backoffice.url)
    rest = rest_connector("http://fachverfahren.invalid/systems/gladbeck/messages")
    try:
        # When the connector sends, Then it is delivered through the proxy
        with attempt_deadline(DEADLINE):
            assert rest.send(message()).status_code == 201

        # And a trickling answer through the proxy is cut off at the deadline as well
        arm(sim, mode="trickle", intervalMs=250, count=1)
        started = time.monotonic()
        with pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
            rest.send(message())
        assert 1.9 <= time.monotonic() - started < LATEST
    finally:
        rest.close()


def test_no_proxy_sends_directly(backoffice: ServerThread, sim: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a proxy that is not listening, and NO_PROXY exempting the receiver's host
    closed = socket.create_server(("127.0.0.1", 0))
    dead_proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    only_proxies(monkeypatch, HTTP_PROXY=dead_proxy, NO_PROXY="localhost,127.0.0.1")
    rest = rest_connector(f"{backoffice.url}/systems/gladbeck/messages")
    try:
        # When the connector sends, Then it reached the receiver directly
        with attempt_deadline(DEADLINE):
            assert rest.send(message()).status_code == 201
    finally:
        rest.close()


def test_a_trickling_answer_over_tls_is_cut_off_at_the_deadline(tmp_path: Path) -> None:
    # Given the back office over HTTPS with a client certificate, trickling its next answer
    pki = make_pki(tmp_path / "pki")
    with TlsServerThread(create_backoffice_app(), pki) as server, pki.client(server.url) as control:
        arm(control, mode="trickle", intervalMs=250, count=1)
        tls = {"certFile": str(pki.client_cert_file), "keyFile": str(pki.client_key_file), "caFile": str(pki.ca_file)}
        rest = rest_connector(f"{server.url}/systems/gladbeck/messages", tls=tls)
        try:
            # When the connector sends under the deadline
            started = time.monotonic()
            with pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
                rest.send(message())
            took = time.monotonic() - started

            # Then the TLS read was cut at the deadline too, and the next attempt goes through
            assert 1.9 <= took < LATEST, took
            with attempt_deadline(DEADLINE):
                assert rest.send(message()).status_code == 201
        finally:
            rest.close()
