"""The README's promise: ``hub demo`` runs, the curl example submits, the simulator receives it.

The demo runs as a real process on free ports with its database in a temporary folder (the
developer's ``var/`` is untouched). The example is taken from the README's "Try it" section and
run literally with ``curl`` from the project root, as a reader would (only the port differs).
"""

from __future__ import annotations

import json
import os
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
from tests.support.console import hidden_token
from tests.support.waiting import wait_for

DEMO_KEY = "hub_demo0000_emscher-lippe-demo-key"
README_URL = "http://127.0.0.1:8000"
DEMO_HINT = (
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
    xta_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    @property
    def xta_url(self) -> str:
        return f"http://127.0.0.1:{self.xta_port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def readme_example() -> str:
    """The first ``curl -s -X POST`` of the README's "Try it" block, with its line continuations."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Try it" in readme, "the README has no 'Try it' section"
    block = readme.split("## Try it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("curl -s -X POST"))
    command: list[str] = []
    for line in lines[start:]:
        command.append(line)
        if not line.endswith("\\"):
            break
    return "\n".join(command)


def _healthy(demo: Demo) -> bool:
    if demo.process.poll() is not None:
        raise AssertionError(f"hub demo exited {demo.process.returncode}:\n{demo.output()}")
    try:
        return httpx.get(f"{demo.url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """``hub demo`` on free ports, with only ``HUB_DATABASE_URL`` (into tmp) and ``HUB_SCHEMA_PATH`` set."""
    ports: set[int] = set()
    while len(ports) < 7:
        ports.add(free_port())
    port, sim_port, xta_port, dms_port, sftp_port, soap_port, fit_port = sorted(ports)
    env = {
        **clean_environ(),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "HUB_SCHEMA_PATH": os.environ["HUB_SCHEMA_PATH"],
    }
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "hub", "demo", "--port", str(port)),
                *("--sim-port", str(sim_port), "--xta-port", str(xta_port), "--dms-port", str(dms_port)),
                *("--sftp-port", str(sftp_port), "--soap-port", str(soap_port), "--fitconnect-port", str(fit_port)),
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Demo(process, port, sim_port, xta_port, log)
    try:
        wait_for(lambda: _healthy(running), timeout=STARTUP_SECONDS, interval=0.1, what="/healthz")
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def run_curl(command: str) -> dict[str, Any]:
    """Run a curl command line through the shell from the project root; its JSON answer."""
    answer = subprocess.run(
        command,
        shell=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert answer.returncode == 0, f"{command}\nexited {answer.returncode}: {answer.stderr}"
    parsed: dict[str, Any] = json.loads(answer.stdout)
    return parsed


def _refuses_connections(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.ConnectError:
        return True
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_readme_curl_example_is_delivered_by_the_demo(
    demo: Demo,
    stop_signal: signal.Signals,
) -> None:
    # Given a running demo and curl on the machine
    assert shutil.which("curl") is not None, "curl is needed for the README example: install it"

    # When the README's curl example is run literally from the project root (on the demo's port)
    example = readme_example()
    assert README_URL in example, example
    from_readme = run_curl(example.replace(README_URL, demo.url))

    # And the example the demo printed at start-up, too (rich may have wrapped it: words compared)
    hint = DEMO_HINT.format(port=demo.port)
    assert " ".join(hint.split()) in " ".join(demo.output().split()), demo.output()
    from_hint = run_curl(hint)

    # Then both were accepted: the 202 body (curl -s prints no status; problems look different)
    for accepted in (from_readme, from_hint):
        assert accepted["status"] == "accepted", accepted
        assert accepted["statusUrl"] == f"{demo.url}/v1/submissions/{accepted['id']}"

    # And their status URLs read delivered soon after
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    message_ids: dict[str, str] = {}
    for accepted in (from_readme, from_hint):

        def delivered(url: str = accepted["statusUrl"]) -> dict[str, Any] | None:
            status: dict[str, Any] = httpx.get(url, headers=headers).json()
            return status if status["status"] == "delivered" else None

        status = wait_for(delivered, timeout=30, what=f"{accepted['id']} delivered")
        assert status is not None
        message_ids[accepted["id"]] = status["deliveries"][0]["messageId"]

    # And the simulated back office of Gladbeck holds both messages
    messages = httpx.get(f"{demo.sim_url}/_sim/messages").json()
    received = {m["body"]["nachricht"]["einreichungId"]: m["messageId"] for m in messages}
    assert received == message_ids
    assert {m["system"] for m in messages} == {"gladbeck"}

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
    assert _refuses_connections(demo.xta_port)


def test_the_demo_delivers_the_bauantrag_sample_to_its_bauportal_simulator(demo: Demo) -> None:
    # Given a running demo with the schema catalog, and the Bauantrag sample with its PDF
    envelope = json.loads((PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "bauantrag.json").read_text())
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}

    # When it is posted
    answer = httpx.post(f"{demo.url}/v1/submissions", json=envelope, headers=headers, timeout=30)
    assert answer.status_code == 202, answer.text

    # Then it is delivered to Gladbeck's Bauportal destination, and the XTA simulator holds its XBau message
    def delivered() -> dict[str, Any] | None:
        status: dict[str, Any] = httpx.get(answer.json()["statusUrl"], headers=headers).json()
        return status if status["status"] == "delivered" else None

    status = wait_for(delivered, timeout=30, what="the Bauantrag delivered")
    assert status is not None
    assert status["deliveries"][0]["destination"] == "gladbeck-bauportal"
    (message,) = httpx.get(f"{demo.xta_url}/_sim/messages").json()
    assert message["reader"] == "bau:05562014"
    assert message["report"] == "GREEN"
    assert len(message["attachments"]) == len(envelope["attachments"])


def test_the_demo_operator_printed_at_start_up_logs_in_to_the_console(demo: Demo) -> None:
    # Given the operator the demo announces
    assert "user demo, password emscher-lippe-demo" in " ".join(demo.output().split()), demo.output()

    # When it logs in to the console
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        token = hidden_token(browser.get("/console/login").text, "login_token")
        answer = browser.post(
            "/console/login", data={"name": "demo", "password": "emscher-lippe-demo", "login_token": token}
        )

        # Then the overview opens, listing the region's destinations
        assert answer.status_code == 303, answer.text
        overview = browser.get("/console/")
        assert overview.status_code == 200
        assert "gladbeck-bauportal" in overview.text
