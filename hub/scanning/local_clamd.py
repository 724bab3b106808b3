"""A clamd of one's own, for the tests and the benchmark: not the system's service, no freshclam.

Its signature database is built here: the EICAR test file's MD5 as a ``.hdb`` (``md5:size:name``),
since the public signature mirrors may be out of reach. It listens on a unix socket in its own
directory and on a free loopback TCP port; ``start_clamd`` returns once it answers PING.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from hub.scanning.clamd import ClamdScanner

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
"""The industry's harmless test file every scanner reports as malware."""
EICAR_SIGNATURE = "Eicar-Test-Signature"


def clamd_binary() -> str:
    # Debian installs clamd in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError("clamd is not installed (Debian: apt-get install clamav-daemon clamav)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalClamd:
    directory: Path
    process: subprocess.Popen[bytes]
    socket_path: Path
    tcp_port: int

    @property
    def unix_url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def tcp_url(self) -> str:
        return f"tcp://127.0.0.1:{self.tcp_port}"

    def log_text(self) -> str:
        path = self.directory / "clamd.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def write_config(directory: Path, port: int, stream_max_length: str = "64M") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    md5 = hashlib.md5(EICAR, usedforsecurity=False).hexdigest()
    (directory / "test.hdb").write_text(f"{md5}:{len(EICAR)}:{EICAR_SIGNATURE}\n", encoding="ascii")
    config = directory / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"LocalSocket {directory / 'clamd.sock'}",
                "TCPAddr 127.0.0.1",
                f"TCPSocket {port}",
                f"DatabaseDirectory {directory}",
                f"LogFile {directory / 'clamd.log'}",
                "MaxThreads 8",
                f"StreamMaxLength {stream_max_length}",
                "Bytecode no",
                "",
            ]
        ),
        encoding="ascii",
    )
    return config


def start_clamd(directory: Path, *, timeout: float = 60.0, stream_max_length: str = "64M") -> LocalClamd:
    """Start clamd in ``directory`` and wait (PING) until it serves; ``timeout`` is generous for a loaded machine."""
    port = _free_port()
    config = write_config(directory, port, stream_max_length)
    output = (directory / "clamd.out").open("wb")
    argv = [clamd_binary(), "-c", str(config)]  # our own binary and config file, no outside input
    process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    output.close()
    clamd = LocalClamd(directory, process, directory / "clamd.sock", port)
    probe = ClamdScanner(clamd.unix_url, timeout=2.0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"clamd exited with {process.returncode}: {clamd.log_text()[-2000:]}")
        if clamd.socket_path.exists() and probe.ready():
            return clamd
        time.sleep(0.05)
    clamd.stop()
    raise RuntimeError(f"clamd did not answer PING within {timeout}s: {clamd.log_text()[-2000:]}")
