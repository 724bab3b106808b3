"""The host name of a destination is resolved within the attempt deadline.

The system resolver is replaced by one that plays a name server: one that never answers (it
blocks until the test ends), and one that maps a made-up name to the loopback address of a real
back-office simulator. Bounds as in test_attempt_deadline: an attempt of 2 s ends within 6 s.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hub.connectors import name_resolution
from hub.connectors.deadline import AttemptTimeout, attempt_deadline
from hub.connectors.deadline_transport import deadline_client
from hub.sim.backoffice import create_backoffice_app
from hub.sim.kit.server import ServerThread

DEADLINE = 2.0
LATEST = 6.0


@pytest.fixture
def name_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Names in the returned dict resolve to their address; every other name hangs until teardown."""
    names: dict[str, str] = {}
    released = threading.Event()

    def resolve(host: str, port: int, *args: Any) -> list[Any]:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        released.wait(timeout=120)
        raise socket.gaierror(socket.EAI_AGAIN, "name server did not answer")

    monkeypatch.setattr(name_resolution, "resolve", resolve)
    yield names
    released.set()


def test_a_name_server_that_never_answers_ends_the_attempt_at_its_deadline(name_server: dict[str, str]) -> None:
    client = deadline_client(timeout=30)
    started = time.monotonic()
    with pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
        client.get("http://fachverfahren.gladbeck.invalid/messages")
    elapsed = time.monotonic() - started
    assert DEADLINE * 0.9 <= elapsed < LATEST, elapsed


def test_hanging_resolutions_do_not_pile_up_threads(name_server: dict[str, str]) -> None:
    client = deadline_client(timeout=30)
    for _ in range(name_resolution.RESOLVER_THREADS * 3):
        with pytest.raises(AttemptTimeout), attempt_deadline(0.2):
            client.get("http://hangs.invalid/")
    resolvers = [t for t in threading.enumerate() if t.name.startswith("hub-resolver")]
    assert len(resolvers) <= name_resolution.RESOLVER_THREADS


def test_a_resolved_name_reaches_the_receiver_at_its_address(name_server: dict[str, str]) -> None:
    server = ServerThread(create_backoffice_app(), port=0).start()
    try:
        name_server["fachverfahren.gladbeck.test"] = "127.0.0.1"
        port = server.url.rsplit(":", 1)[1]
        client = deadline_client(timeout=10)
        with attempt_deadline(DEADLINE):
            answer = client.get(f"http://fachverfahren.gladbeck.test:{port}/_sim/messages")
        assert answer.status_code == 200
        # The request still names the host, not the address (virtual hosts, TLS server name)
        assert answer.request.headers["host"] == f"fachverfahren.gladbeck.test:{port}"
    finally:
        server.stop()
