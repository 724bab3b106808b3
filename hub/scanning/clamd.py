"""ClamAV's ``clamd`` over its socket, unix or tcp, with ``INSTREAM``.

The attachment is streamed in chunks (4-byte big-endian length, then the bytes; a zero length
ends it) and never written to disk. One connection per scan keeps a broken reply from spilling
into the next one; clamd's own ``MaxThreads`` bounds how many run at once. Every socket operation
is bounded by what is left of one deadline per call, so a clamd that hangs costs at most
``timeout`` seconds before intake answers 503.
"""

from __future__ import annotations

import socket
import struct
import time
from urllib.parse import urlsplit

import structlog

from hub.scanning.scanner import ScannerUnavailable, ScanRefused, Verdict

log = structlog.get_logger(__name__)

CHUNK_BYTES = 256 * 1024
"""Well under clamd's default StreamMaxLength and large enough that the framing costs nothing."""
REPLY_LIMIT = 4096

Address = tuple[int, str | tuple[str, int]]


def parse_url(url: str) -> Address:
    """``unix:///run/clamav/clamd.ctl`` or ``tcp://127.0.0.1:3310`` as (socket family, address)."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path:
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        family = socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET
        return family, (parts.hostname, parts.port)
    raise ValueError(f"HUB_CLAMD_URL must be unix:///path/to/clamd.ctl or tcp://host:port, not {url!r}")


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.until - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("clamd did not answer in time")
        return remaining


class ClamdScanner:
    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url
        self.address = parse_url(url)
        self.timeout = timeout

    @property
    def description(self) -> str:
        return f"clamd {self.url}"

    def scan(self, content: bytes) -> Verdict:
        reply = self._call(b"zINSTREAM\0", content)
        if reply.endswith(" FOUND") and reply.startswith("stream: "):
            return Verdict(reply.removeprefix("stream: ").removesuffix(" FOUND"))
        if reply == "stream: OK":
            return Verdict()
        if "size limit exceeded" in reply:
            raise ScanRefused(f"the file is larger than the scanner takes ({reply})")
        log.warning("attachment_scan_failed", scanner=self.url, error=f"unexpected clamd reply {reply!r}")
        raise ScannerUnavailable(f"clamd answered {reply!r}")

    def ready(self) -> bool:
        try:
            return self._call(b"zPING\0") == "PONG"
        except ScannerUnavailable:
            return False

    def _call(self, command: bytes, stream: bytes | None = None) -> str:
        deadline = _Deadline(self.timeout)
        family, address = self.address
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(deadline.left())
                sock.connect(address)
                sock.sendall(command)
                if stream is not None:
                    self._send_stream(sock, stream, deadline)
                return self._read_reply(sock, deadline)
        except (OSError, TimeoutError) as exc:
            # The content is not in the message: only what failed and where.
            log.warning("attachment_scan_failed", scanner=self.url, error=f"{type(exc).__name__}: {exc}")
            raise ScannerUnavailable(f"clamd at {self.url} is unavailable: {type(exc).__name__}") from exc

    @staticmethod
    def _send_stream(sock: socket.socket, content: bytes, deadline: _Deadline) -> None:
        view = memoryview(content)
        try:
            for start in range(0, len(view), CHUNK_BYTES):
                chunk = view[start : start + CHUNK_BYTES]
                sock.settimeout(deadline.left())
                sock.sendall(struct.pack(">I", len(chunk)))
                sock.sendall(chunk)
            sock.sendall(struct.pack(">I", 0))
        except (BrokenPipeError, ConnectionResetError):
            # clamd stops reading at its StreamMaxLength and closes after saying why: read that reply.
            pass

    @staticmethod
    def _read_reply(sock: socket.socket, deadline: _Deadline) -> str:
        data = b""
        while not data.endswith(b"\0") and len(data) < REPLY_LIMIT:
            sock.settimeout(deadline.left())
            piece = sock.recv(REPLY_LIMIT)
            if not piece:
                break
            data += piece
        if not data:
            raise ConnectionResetError("clamd closed the connection without a reply")
        return data.rstrip(b"\0").decode("utf-8", "replace").strip()
