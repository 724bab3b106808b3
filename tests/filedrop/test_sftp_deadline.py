"""The attempt deadline over SFTP: a hung server, trickling writes and a late receipt are cut at it.

Each case runs a real SFTP exchange on loopback under ``attempt_deadline(2)`` with per-step
timeouts far longer (10 s), so only the deadline can end it. Bounds: the send must end after
1.5 s (not before the deadline) and within 6 s (the deadline plus generous slack for a loaded
machine).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.fachverfahren.filedrop import FileDropConnector
from hub.connectors.base import ConnectorContext, Destination
from hub.connectors.deadline import AttemptTimeout, attempt_deadline
from hub.domain.message import OutboundMessage
from hub.errors import TransientError
from hub.mapping.catalog import MappingCatalog
from hub.sim.kit.server import listening_socket
from hub.sim.sftp import SftpSimulator
from tests.filedrop.filedrop_support import PASSWORD, PASSWORD_ENV, USER, sftp_settings
from tests.filedrop.test_filedrop_plan import message_with

DEADLINE = 2.0
EARLIEST = 1.5
LATEST = 6.0
SCAN = os.urandom(300_000)


@pytest.fixture
def made() -> Iterator[list[FileDropConnector]]:
    connectors: list[FileDropConnector] = []
    yield connectors
    for connector in connectors:
        connector.close()


@pytest.fixture
def drop(made: list[FileDropConnector]) -> Any:
    """``drop(sim, **settings)``: a file-drop connector into ``/in`` on ``sim``, per-step timeouts 10 s."""

    def make(sim: SftpSimulator, **settings: Any) -> FileDropConnector:
        (sim.root / "in").mkdir(exist_ok=True)
        destination = Destination(
            id="gladbeck-ablage",
            name="Ablage",
            connector="fachverfahren-filedrop",
            settings=sftp_settings(sim, "in", **{"timeoutSeconds": 10, **settings}),
        )
        connector = FileDropConnector(destination, ConnectorContext(mappings=MappingCatalog([])))
        made.append(connector)
        return connector

    return make


@pytest.fixture
def hung_server() -> Iterator[socket.socket]:
    """A port whose server takes connections (the kernel's backlog) and never says a word."""
    sock = listening_socket("127.0.0.1", 0, backlog=16)
    yield sock
    sock.close()


def timed_send(connector: FileDropConnector, message: OutboundMessage, seconds: float) -> tuple[Exception, float]:
    """Send under an attempt deadline of ``seconds``; the error it raised and how long it took."""
    started = time.monotonic()
    with pytest.raises(TransientError) as raised, attempt_deadline(seconds):
        connector.send(message)
    return raised.value, time.monotonic() - started


def test_a_server_that_never_speaks_is_cut_at_the_deadline(
    sftp: SftpSimulator, drop: Any, hung_server: socket.socket
) -> None:
    # Given a destination whose server accepts the connection but never sends its SSH banner
    port = hung_server.getsockname()[1]
    connector = drop(sftp, target=f"sftp://127.0.0.1:{port}/in")

    # When a message is sent under a 2 s deadline (connect timeout 10 s)
    error, elapsed = timed_send(connector, message_with([]), DEADLINE)

    # Then the deadline ends it, saying it was still connecting
    assert type(error) is AttemptTimeout
    assert "attempt deadline of 2 s exceeded while connecting and logging in" in str(error)
    assert EARLIEST <= elapsed < LATEST


def test_a_trickling_write_is_cut_at_the_deadline_and_the_next_send_connects_afresh(
    sftp: SftpSimulator, drop: Any
) -> None:
    # Given a server that writes 16 KiB per second, and a message with a 300 kB attachment
    sftp.slow_writes(1.0, chunk_bytes=16 * 1024)
    connector = drop(sftp)
    message = message_with([("scan.pdf", SCAN)])

    # When it is sent under a 2 s deadline
    error, elapsed = timed_send(connector, message, DEADLINE)

    # Then the deadline ends it during the write, named by position, not by the file's name
    assert type(error) is AttemptTimeout
    assert "while writing file 1 of 2" in str(error)
    assert "scan.pdf" not in str(error)
    assert EARLIEST <= elapsed < LATEST

    # And once the server is healthy, the next attempt delivers on a new connection
    sftp.slow_writes(0.0)
    with attempt_deadline(10):
        receipt = connector.send(message)
    assert receipt.reference == "m-1.json"
    assert (sftp.root / "in" / "m-1" / "scan.pdf").read_bytes() == SCAN
    assert sftp.stats()["logins"] == 2


def test_a_late_receipt_is_cut_at_the_deadline_and_the_connection_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drop: Any
) -> None:
    # Given a back office that writes its receipt 30 s after the message arrived (receipt wait 10 s)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SftpSimulator(tmp_path / "root", users={USER: PASSWORD}, receiver=True, receipt_delay=30) as slow:
        connector = drop(slow, receipt={"pollSeconds": 0.05}, receiptTimeoutSeconds=10)

        # When a message is sent under a 2 s deadline
        error, elapsed = timed_send(connector, message_with([]), DEADLINE)

        # Then the deadline ends the wait for the receipt
        assert type(error) is AttemptTimeout
        assert "while waiting for the receipt" in str(error)
        assert EARLIEST <= elapsed < LATEST

        # And the connection, which did nothing wrong, serves the next attempt
        slow.receipt_delay = 0.0
        with attempt_deadline(10):
            receipt = connector.send(message_with([], message_id="m-2"))
        assert str(receipt.reference).startswith("sim-")
        assert slow.stats()["logins"] == 1


def test_a_step_timeout_shorter_than_the_deadline_is_not_blamed_on_the_deadline(
    sftp: SftpSimulator, drop: Any, hung_server: socket.socket
) -> None:
    # Given a hung server and a connect timeout of 0.5 s, well inside a 30 s deadline
    port = hung_server.getsockname()[1]
    connector = drop(sftp, target=f"sftp://127.0.0.1:{port}/in", timeoutSeconds=0.5)

    # When a message is sent
    error, elapsed = timed_send(connector, message_with([]), 30)

    # Then it fails on the connect timeout: transient, but no AttemptTimeout
    assert type(error) is TransientError
    assert "timed out after 0.5 s while connecting and logging in" in str(error)
    assert elapsed < LATEST
