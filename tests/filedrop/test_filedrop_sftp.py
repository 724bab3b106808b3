"""The file-drop connector against the SFTP simulator over TCP: writing, logins, host keys, faults."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from connectors.fachverfahren.filedrop import FileDropConnector
from hub.connectors.base import ConnectorContext, Destination
from hub.errors import ConfigError, PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from hub.sim.sftp import SftpSimulator
from tests.filedrop.filedrop_support import PASSWORD, PASSWORD_ENV, USER, sftp_settings
from tests.filedrop.test_filedrop_plan import message_with

SCAN = os.urandom(300_000)


@pytest.fixture
def made() -> Iterator[list[FileDropConnector]]:
    """Connectors made by a test, closed after it (each owns a loop thread and a connection)."""
    connectors: list[FileDropConnector] = []
    yield connectors
    for c in connectors:
        c.close()


@pytest.fixture
def drop(sftp: SftpSimulator, made: list[FileDropConnector]) -> Any:
    def make(folder: str = "in", *, create: bool = True, **settings: Any) -> FileDropConnector:
        if create:
            (sftp.root / folder).mkdir(exist_ok=True)
        destination = Destination(
            id="gladbeck-ablage",
            name="Ablage",
            connector="fachverfahren-filedrop",
            settings=sftp_settings(sftp, folder, **settings),
        )
        connector = FileDropConnector(destination, ConnectorContext(mappings=MappingCatalog([])))
        made.append(connector)
        return connector

    return make


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_the_files_arrive_byte_identical_and_the_receivers_receipt_is_the_reference(
    sftp: SftpSimulator, drop: Any
) -> None:
    message = message_with([("scan.pdf", SCAN), ("foto.png", b"PNG")])

    receipt = drop(receipt={"pollSeconds": 0.02}).send(message)

    inbox = sftp.root / "in"
    assert listing(inbox) == ["m-1", "m-1.done", "m-1.json", "m-1/foto.png", "m-1/scan.pdf"]
    assert (inbox / "m-1.json").read_bytes() == message.body
    assert (inbox / "m-1" / "scan.pdf").read_bytes() == SCAN
    assert (inbox / "m-1" / "foto.png").read_bytes() == b"PNG"
    assert str(receipt.reference).startswith("sim-")
    assert receipt.detail["receiptFile"] == "/in/m-1.done"
    assert sftp.received() == ["in/m-1.json"]


def test_sends_share_one_connection_and_run_concurrently(sftp: SftpSimulator, drop: Any) -> None:
    connector = drop()
    messages = [message_with([("scan.pdf", SCAN)], message_id=f"m-{n}") for n in range(12)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(pool.map(connector.send, messages))

    assert [r.reference for r in receipts] == [f"m-{n}.json" for n in range(12)]
    for n in range(12):
        assert (sftp.root / "in" / f"m-{n}" / "scan.pdf").read_bytes() == SCAN
    assert sftp.stats()["logins"] == 1


def test_a_connection_the_server_dropped_is_replaced(sftp: SftpSimulator, drop: Any) -> None:
    connector = drop()
    connector.send(message_with([], message_id="m-1"))

    sftp.disconnect_all()
    connector.send(message_with([], message_id="m-2"))

    assert (sftp.root / "in" / "m-2.json").is_file()
    assert sftp.stats()["logins"] == 2


def test_failed_writes_are_transient_leave_no_part_file_and_the_retry_delivers(sftp: SftpSimulator, drop: Any) -> None:
    connector = drop()
    message = message_with([("scan.pdf", SCAN)])
    sftp.fail_writes(1, "Platte voll")

    with pytest.raises(TransientError, match="Platte voll"):
        connector.send(message)
    assert listing(sftp.root / "in") == ["m-1"]

    connector.send(message)
    assert (sftp.root / "in" / "m-1" / "scan.pdf").read_bytes() == SCAN


def test_a_retry_replaces_the_remains_of_an_interrupted_attempt(sftp: SftpSimulator, drop: Any) -> None:
    # Given a crash left a torn .part and a stale final attachment on the server
    inbox = sftp.root / "in"
    (inbox / "m-1").mkdir(parents=True)
    (inbox / "m-1" / ".scan.pdf.part").write_bytes(SCAN[:10])
    (inbox / "m-1" / "scan.pdf").write_bytes(b"stale")
    (inbox / ".m-1.json.part").write_bytes(b"{")

    # When the message is sent again
    message = message_with([("scan.pdf", SCAN)])
    drop().send(message)

    # Then the final names hold the right bytes, replaced atomically, and nothing temporary is left
    assert listing(inbox) == ["m-1", "m-1.done", "m-1.json", "m-1/scan.pdf"]
    assert (inbox / "m-1" / "scan.pdf").read_bytes() == SCAN
    assert (inbox / "m-1.json").read_bytes() == message.body


def test_a_refused_login_is_permanent(sftp: SftpSimulator, drop: Any) -> None:
    sftp.refuse_auth()

    with pytest.raises(PermanentError, match="refused the login"):
        drop().send(message_with([]))


def test_a_wrong_password_is_permanent(sftp: SftpSimulator, drop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WRONG_PW", "nope")

    with pytest.raises(PermanentError, match="refused the login"):
        drop(auth={"username": USER, "passwordEnv": "WRONG_PW"}).send(message_with([]))


def test_an_unset_password_variable_is_a_config_error_retried_until_fixed(sftp: SftpSimulator, drop: Any) -> None:
    with pytest.raises(ConfigError, match="UNSET_PW"):
        drop(auth={"username": USER, "passwordEnv": "UNSET_PW"}).send(message_with([]))


def test_a_server_with_another_host_key_is_refused_for_good(drop: Any) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()

    with pytest.raises(PermanentError, match="host key does not match"):
        drop(hostKey=other).send(message_with([]))


def test_a_known_hosts_file_is_checked(sftp: SftpSimulator, drop: Any, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(sftp.known_hosts_line())

    drop(hostKey=None, knownHostsFile=str(known)).send(message_with([]))

    assert (sftp.root / "in" / "m-1.json").is_file()


def test_key_file_login(tmp_path: Path, made: list[FileDropConnector]) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    key.write_private_key(key_file)
    public = key.export_public_key().decode()
    with SftpSimulator(tmp_path / "root", authorized_keys={"ablage": [public]}) as server:
        (server.root / "in").mkdir()
        destination = Destination(
            id="d",
            name="d",
            connector="fachverfahren-filedrop",
            settings={
                "target": f"sftp://ablage@127.0.0.1:{server.port}/in",
                "auth": {"keyFile": str(key_file)},
                "hostKey": server.host_public_key,
            },
        )
        connector = FileDropConnector(destination, ConnectorContext(mappings=MappingCatalog([])))
        made.append(connector)

        connector.send(message_with([]))

        assert (server.root / "in" / "m-1.json").is_file()
        assert server.stats()["logins"] == 1


def test_a_missing_target_folder_is_permanent(drop: Any) -> None:
    with pytest.raises(PermanentError, match="target folder does not exist"):
        drop("nowhere", create=False).send(message_with([]))


def test_connection_refused_is_transient(drop: Any, sftp: SftpSimulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    connector = drop(target=f"sftp://127.0.0.1:{free_port}/in")

    with pytest.raises(TransientError, match="ConnectionRefused"):
        connector.send(message_with([]))


def test_a_rejecting_receiver_makes_it_permanent(sftp: SftpSimulator, drop: Any) -> None:
    sftp.reject_next(1, "Aktenzeichen unbekannt")

    with pytest.raises(PermanentError, match="Aktenzeichen unbekannt"):
        drop(receipt={"pollSeconds": 0.02}).send(message_with([]))


def test_no_receipt_in_time_is_transient(
    tmp_path: Path, made: list[FileDropConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SftpSimulator(tmp_path / "root", users={USER: PASSWORD}, receiver=False) as server:
        (server.root / "in").mkdir()
        destination = Destination(
            id="d",
            name="d",
            connector="fachverfahren-filedrop",
            settings=sftp_settings(server, "in", receipt={"pollSeconds": 0.02}, receiptTimeoutSeconds=0.3),
        )
        connector = FileDropConnector(destination, ConnectorContext(mappings=MappingCatalog([])))
        made.append(connector)

        with pytest.raises(TransientError, match="no receipt"):
            connector.send(message_with([]))


def test_the_simulator_keeps_clients_inside_its_folder(sftp: SftpSimulator, tmp_path: Path) -> None:
    # Given a folder beside the served one, and a symlink into it planted inside the served folder
    outside = tmp_path / "outside"
    outside.mkdir()
    (sftp.root / "escape").symlink_to(outside)

    # When a client climbs above the root, follows the symlink and tries to make a link itself
    async def attempt() -> list[str]:
        async with (
            asyncssh.connect(
                "127.0.0.1", sftp.port, username=USER, password=PASSWORD, known_hosts=None, config=None, agent_path=None
            ) as conn,
            conn.start_sftp_client() as client,
        ):
            async with client.open("../../up.txt", "wb") as out:
                await out.write(b"x")
            with pytest.raises(asyncssh.SFTPPermissionDenied):
                await client.open("/escape/x", "wb")
            with pytest.raises(asyncssh.SFTPPermissionDenied):
                await client.symlink("/", "/link")
            return sorted(await client.listdir("/.."))

    top = asyncio.run(attempt())

    # Then ".." stops at the root, and nothing was written outside it
    assert (sftp.root / "up.txt").read_bytes() == b"x"
    assert "up.txt" in top
    assert list(outside.iterdir()) == []
