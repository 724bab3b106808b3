"""What checking attachments costs at intake: type detection per attachment, and scanning with a real
clamd (started like the tests': its own config and EICAR-only database), per attachment and per request.

    python -m bench.intake --scan [--attachment-kib 200]

The per-request part posts the same sample with one PDF attachment to the hub twice, without a
scanner and with clamd on its unix socket, so the difference is the scan alone.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import SAMPLE
from hub.scanning.clamd import ClamdScanner
from hub.scanning.local_clamd import LocalClamd, start_clamd
from hub.service.attachment_types import DEFAULT_ALLOWED_TYPES, type_problem


def pdf_of(kib: int) -> bytes:
    """A PDF header and trailer around random bytes: the signature check passes, clamd reads all of it."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(kib * 1024) + b"\n%%EOF\n"


def payload_with(content: bytes) -> bytes:
    envelope = json.loads(SAMPLE.read_text(encoding="utf-8"))
    envelope["attachments"] = [
        {
            "fileName": "nachweis.pdf",
            "mediaType": "application/pdf",
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": base64.b64encode(content).decode("ascii"),
        }
    ]
    return json.dumps(envelope).encode()


def _per_call(call: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median and p99 seconds of ``rounds`` sequential calls."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[min(int(rounds * 0.99), rounds - 1)]


def report_type_check(content: bytes, rounds: int = 5000) -> None:
    median, p99 = _per_call(lambda: type_problem(0, "application/pdf", content, DEFAULT_ALLOWED_TYPES), rounds)
    print(
        f"type check (filetype, one {len(content) // 1024} KiB PDF): "
        f"median {median * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs per attachment"
    )


def report_scan(clamd: LocalClamd, content: bytes, rounds: int = 200) -> None:
    for url in (clamd.unix_url, clamd.tcp_url):
        scanner = ClamdScanner(url, timeout=30)
        median, p99 = _per_call(functools.partial(scanner.scan, content), rounds)
        kind = url.split(":", 1)[0]
        print(
            f"clamd INSTREAM over {kind} (one {len(content) // 1024} KiB PDF, sequential): "
            f"median {median * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms per attachment"
        )


def running_clamd(directory: Path) -> LocalClamd:
    started = time.monotonic()
    clamd = start_clamd(directory / "clamd")
    print(f"clamd answered PING after {time.monotonic() - started:.1f}s (EICAR-only database)")
    return clamd
