"""The fault suite's short variant (``python -m bench.faults --short``) passes every one of its checks.

It runs its own PostgreSQL, Redis, API, a ``hub worker --processes 2`` group and the back-office
simulator as processes on free loopback ports (never the machine's shared servers), posts 150
submissions at 5/s and meanwhile SIGKILLs a worker child, flushes and restarts Redis, makes three
towns' receivers trickle, answer HTML with 200 and answer 503 for a few seconds, and terminates
the hub's PostgreSQL sessions. See docs/reliability.md.

Bound: the suite takes about 80 s on this 2-core machine (start-up ~5 s, load 30 s, drain); it is
given 280 s before it is stopped, as a loaded machine may take three times as long.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from hub.config import PROJECT_ROOT

RUN_LIMIT_SECONDS = 280
CHECKS = (
    "every posted submission accepted",
    "0 lost",
    "0 stuck",
    "every accepted delivered",
    "drain within 60s after the last fault",
    "0 parallel sends",
)
INJECTED = ("SIGKILL worker child", "Redis FLUSHALL", "trickle", "html", "status status=503", "pg_terminate_backend")


def run_short_suite() -> tuple[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.faults", "--short"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = proc.communicate(timeout=RUN_LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # the suite stops its servers on SIGTERM
        out, _ = proc.communicate(timeout=60)
        pytest.fail(f"the fault suite did not finish within {RUN_LIMIT_SECONDS}s:\n{out[-6000:]}")
    return proc.returncode, out


@pytest.mark.slow
def test_the_short_fault_suite_passes_every_check() -> None:
    # When the short fault suite runs
    code, out = run_short_suite()
    tail = out[-6000:]

    # Then every fault of its schedule was injected
    for what in INJECTED:
        assert what in out, f"{what!r} was not injected:\n{tail}"
    assert "NOT INJECTED" not in out, tail

    # And every check passed, and the suite says so in its closing line and exit code
    for check in CHECKS:
        assert re.search(rf"^check PASS: {re.escape(check)}", out, re.MULTILINE), f"{check!r} failed:\n{tail}"
    assert re.search(r"^6 passed, 0 failed$", out, re.MULTILINE), tail
    assert re.search(r"^lost:\s+0$", out, re.MULTILINE), tail
    assert code == 0, tail
