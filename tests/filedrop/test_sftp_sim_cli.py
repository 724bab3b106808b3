"""``hub sim sftp``: the SFTP simulator in a process of its own, as a developer starts it by hand."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import asyncssh
import pytest

from connectors.fachverfahren.filedrop import FileDropConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination
from hub.mapping.catalog import MappingCatalog
from tests.filedrop.test_filedrop_plan import message_with
from tests.support.cli import clean_environ

STARTUP_SECONDS = 30


def read_lines(stream: queue.Queue[str], until: str) -> str:
    seen = ""
    while until not in seen:
        try:
            seen += stream.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            pytest.fail(f"'hub sim sftp' printed no {until!r}; output so far: {seen!r}")
    return seen


def test_hub_sim_sftp_serves_a_folder_with_a_receiver_and_a_stable_host_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 'hub sim sftp' started on a free port with a folder, a login and a host key file
    root, key_file = tmp_path / "drop", tmp_path / "host-key"
    command = [sys.executable, "-m", "hub", "sim", "sftp", "--port", "0", "--root", str(root)]
    command += ["--user", "ablage", "--password", "pw-1", "--host-key", str(key_file)]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**clean_environ(), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        output = read_lines(lines, "receiver:")
        url = re.search(r"sftp://127\.0\.0\.1:\d+", output)
        host_key = re.search(r"host key: (ssh-ed25519 \S+)", output)
        assert url is not None, output
        assert host_key is not None, output
        assert key_file.is_file()

        # When the connector drops a message there, pinning the printed host key
        monkeypatch.setenv("SIM_PW", "pw-1")
        destination = Destination(
            id="d",
            name="d",
            connector="fachverfahren-filedrop",
            settings={
                "target": f"{url.group(0)}/",
                "auth": {"username": "ablage", "passwordEnv": "SIM_PW"},
                "hostKey": host_key.group(1),
                "receipt": {"pollSeconds": 0.02},
                "timeoutSeconds": 5,
            },
        )
        connector = FileDropConnector(destination, ConnectorContext(mappings=MappingCatalog([])))
        try:
            receipt = connector.send(message_with([("scan.pdf", b"%PDF")]))
        finally:
            connector.close()

        # Then the files are in the folder and the receiver acknowledged the message
        assert (root / "m-1" / "scan.pdf").read_bytes() == b"%PDF"
        assert (root / "m-1.done").is_file()
        assert str(receipt.reference).startswith("sim-")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(STARTUP_SECONDS)
        reader.join(STARTUP_SECONDS)
    # And an interrupt stops it cleanly, leaving the host key for the next start to serve again
    assert code == 0
    kept = asyncssh.read_private_key(key_file).export_public_key().decode()
    assert kept.startswith(host_key.group(1))
