"""The README's promise: ``hub demo`` runs, the curl example submits, the simulator receives it.

The demo runs as a real process on free ports with its database in a temporary folder (the
developer's ``var/`` is untouched); the example is run literally with ``curl`` from the project
root, as a reader of the README would.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import PROJECT_ROOT
from tests.support.cli import clean_environ, free_port
from tests.support.waiting import wait_for

DEMO_KEY = "hub_demo0000_emscher-lippe-demo-key"
CURL_EXAMPLE = (
    "curl -s -X POST http://127.0.0.1:{port}/v1/submissions "
    f"-H 'Authorization: Bearer {DEMO_KEY}' -H 'Content-Type: application/json' "
    "-d @config/emscher-lippe/samples/hundesteuer-anmeldung.json"
)
STARTUP_SECONDS = 60.0
SHUTDOWN_SECONDS = 15.0


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    port: int
    sim_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _healthy(demo: Demo) -> bool:
    if demo.process.poll() is not None:
        raise AssertionError(f"hub demo exited {demo.process.returncode}:\n{demo.output()}")
    try:
        return httpx.get(f"{demo.url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """``hub demo`` on free ports, with only ``HUB_DATABASE_URL`` set (into tmp)."""
    port, sim_port = free_port(), free_port()
    while sim_port == port:
        sim_port = free_port()
    env = {**clean_environ(), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "demo", "--port", str(port), "--sim-port", str(sim_port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Demo(process, port, sim_port, log)
    try:
        wait_for(lambda: _healthy(running), timeout=STARTUP_SECONDS, interval=0.1, what="/healthz")
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _refuses_connections(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.ConnectError:
        return True
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_readme_curl_example_is_delivered_by_the_demo(demo: Demo, stop_signal: signal.Signals) -> None:
    # Given a running demo and curl on the machine
    curl = shutil.which("curl")
    assert curl is not None, "curl is required for the README example and is not installed"

    # When the README's curl example is run literally from the project root
    command = CURL_EXAMPLE.format(port=demo.port)
    answer = subprocess.run(command, shell=True, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30)

    # Then it was accepted (the 202 body: curl -s prints no status, problems look different)
    assert answer.returncode == 0, answer.stderr
    accepted: dict[str, Any] = json.loads(answer.stdout)
    assert accepted["status"] == "accepted", accepted
    assert accepted["statusUrl"] == f"{demo.url}/v1/submissions/{accepted['id']}"

    # And the demo's own printed hint is that very command
    assert " ".join(command.split()) in " ".join(demo.output().split())

    # And its status URL reads delivered soon after
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}

    def delivered() -> dict[str, Any] | None:
        status: dict[str, Any] = httpx.get(accepted["statusUrl"], headers=headers).json()
        return status if status["status"] == "delivered" else None

    status = wait_for(delivered, timeout=30, what="the demo submission delivered")
    assert status is not None

    # And the simulator holds the message for Gladbeck
    messages = httpx.get(f"{demo.sim_url}/_sim/messages").json()
    assert [(m["system"], m["messageId"]) for m in messages] == [("gladbeck", status["deliveries"][0]["messageId"])]
    assert messages[0]["body"]["nachricht"]["einreichungId"] == accepted["id"]

    # When the demo is told to stop
    started = time.monotonic()
    demo.process.send_signal(stop_signal)

    # Then it exits within 15 s and frees both ports
    try:
        code = demo.process.wait(timeout=SHUTDOWN_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hub demo still running {SHUTDOWN_SECONDS}s after {stop_signal.name}")
    assert time.monotonic() - started < SHUTDOWN_SECONDS
    # uvicorn shuts down gracefully, then re-raises the signal it caught: Ctrl-C ends the demo
    # with status 0, SIGTERM (default action once uvicorn's handler is gone) by that signal.
    expected = 0 if stop_signal is signal.SIGINT else -stop_signal
    assert code == expected, (code, demo.output())
    assert "Traceback" not in demo.output()
    assert _refuses_connections(demo.port)
    assert _refuses_connections(demo.sim_port)
