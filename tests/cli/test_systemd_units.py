"""The systemd units in ``deploy/systemd``: systemd itself parses them, and they run real ``hub`` options."""

from __future__ import annotations

import shlex
import subprocess

import click
import pytest

from hub.cli.main import main
from hub.config import PROJECT_ROOT, Settings
from hub.ops.supervisor import KILL_MARGIN_SECONDS

UNITS = PROJECT_ROOT / "deploy" / "systemd"
NAMES = ("hub-api.service", "hub-worker.service", "hub-worker@.service")
SANDBOX = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter": "@system-service",
}


def directives(name: str) -> dict[str, list[str]]:
    """``Key`` -> its values in file order (systemd allows a key more than once)."""
    found: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def seconds(value: str) -> float:
    assert value.endswith("s"), value
    return float(value[:-1])


def test_systemd_accepts_every_directive_of_the_units() -> None:
    # Given the shipped units
    paths = [str(UNITS / name) for name in NAMES]

    # When systemd's own parser checks them (offline; the hub is not installed under /opt here)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=UNITS,
    )

    # Then it complains about nothing but the absent install
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if line and "is not executable" not in line
    ]
    assert not complaints, result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_each_unit_runs_an_existing_hub_command_as_the_hub_user_sandboxed(name: str) -> None:
    # Given a unit
    unit = directives(name)

    # Then it runs the hub command with options the command has
    (exec_start,) = unit["ExecStart"]
    program, command, *args = shlex.split(exec_start)
    assert program.endswith("/bin/hub")
    cli_command = main.commands[command]
    known = {opt for param in cli_command.params if isinstance(param, click.Option) for opt in param.opts}
    assert {a for a in args if a.startswith("--")} <= known
    # As the unprivileged user, with the environment file, restarted on failure, sandboxed
    assert unit["User"] == ["hub"]
    assert "/etc/hub/hub.env" in unit["EnvironmentFile"]
    assert unit["Restart"] == ["on-failure"]
    for key, value in SANDBOX.items():
        assert value in unit[key], key


@pytest.mark.parametrize("name", ["hub-worker.service", "hub-worker@.service"])
def test_worker_units_wait_for_readiness_and_outlast_the_stop_deadline(name: str) -> None:
    # Given a worker unit
    unit = directives(name)

    # Then systemd waits for READY=1, signals the supervisor only, and gives the group longer than
    # its own stop deadline before it kills what is left
    assert unit["Type"] == ["notify"]
    assert unit["KillMode"] == ["mixed"]
    (timeout,) = unit["TimeoutStopSec"]
    assert seconds(timeout) > Settings.model_fields["worker_stop_seconds"].default + KILL_MARGIN_SECONDS
