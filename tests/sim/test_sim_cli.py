"""``hub sim list`` and ``hub sim run`` serve what the registry finds, as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from hub.config import PROJECT_ROOT
from tests.support.cli import HubCli, clean_environ, describe

REGION = PROJECT_ROOT / "config" / "emscher-lippe"
STARTUP_SECONDS = 60


def _env() -> dict[str, str]:
    # The DMS simulator validates against the official xdomea schemas: the catalog must reach it.
    schemas = {"HUB_SCHEMA_PATH": os.environ["HUB_SCHEMA_PATH"]} if "HUB_SCHEMA_PATH" in os.environ else {}
    return {**clean_environ(), **schemas, "HUB_CONFIG_DIR": str(REGION), "COLUMNS": "250", "PYTHONIOENCODING": "utf-8"}


def test_sim_list_names_every_registered_simulator_with_its_demo_port() -> None:
    out = HubCli(_env()).ok("sim", "list")

    for name, port in {"backoffice": 8101, "xta": 8102, "dms": 8103, "sftp": 8104, "soap": 8105}.items():
        assert any(line.replace("│", " ").split()[:2] == [name, str(port)] for line in out.splitlines()), out


def test_sim_run_serves_the_named_simulators_until_sigterm(tmp_path: Path) -> None:
    # Given `hub sim run` for two simulators on free ports
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "sim", "run", "backoffice", "dms", "--port", "backoffice=0", "--port", "dms=0"],
        env=_env(),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        variables: dict[str, str] = {}
        for line in proc.stdout:  # blocks until the process prints; it prints "ready" once serving
            if line.strip() == "ready":
                break
            name, sep, value = line.strip().partition("=")
            if sep and name.startswith("HUB_"):
                variables[name] = value
        else:
            raise AssertionError(f"hub sim run ended before it was ready: {proc.stderr.read() if proc.stderr else ''}")

        # Then each prints the variable that points the region at it, and answers there
        assert set(variables) >= {"HUB_BACKOFFICE_URL", "HUB_DMS_URL"}, variables
        assert "HUB_STEUER_SOAP_URL" not in variables  # only what was asked for runs
        for url in (variables["HUB_BACKOFFICE_URL"], variables["HUB_DMS_URL"]):
            assert httpx.get(f"{url}/_sim/messages", timeout=10).status_code == 200

        # And SIGTERM ends it cleanly, its ports closed
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=STARTUP_SECONDS) == 0
        try:
            httpx.get(f"{variables['HUB_BACKOFFICE_URL']}/_sim/messages", timeout=2)
            raise AssertionError("the back-office simulator still answers after SIGTERM")
        except httpx.TransportError:
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sim_run_refuses_an_unknown_simulator() -> None:
    result = HubCli(_env()).run("sim", "run", "no-such-simulator")

    assert result.returncode == 2, describe(result)
    assert "no simulator called no-such-simulator" in result.stderr
