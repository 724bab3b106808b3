"""Running the ``hub`` command as a real subprocess, the way an operator runs it in a terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hub.config import PROJECT_ROOT
from tests.support.sealing import TEST_KEYRING

CLI_TIMEOUT_SECONDS = 60.0


def clean_environ() -> dict[str, str]:
    """This process's environment without ``HUB_*`` variables: a developer's shell can't leak in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}


def hub_env(database_url: str, config_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``hub`` command on ``database_url`` with the region in ``config_dir``.

    rich sizes its tables to the terminal and, without one, to 80 columns, which cuts UUIDs
    down to ``5783f4c7-2e5c-44…``; a wide ``COLUMNS`` keeps every cell whole so the output can be
    checked (and copied) like an operator's wide terminal.
    """
    return {
        **clean_environ(),
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_KEYS": TEST_KEYRING,
        "HUB_CONFIG_DIR": str(config_dir),
        "HUB_LOG_LEVEL": "WARNING",
        "COLUMNS": "250",
        "PYTHONIOENCODING": "utf-8",
        **extra,
    }


@dataclass(frozen=True)
class HubCli:
    """``python -m hub ...`` with a fixed environment, run from the project root."""

    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub", *args],
            env=self.env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )

    def ok(self, *args: str) -> str:
        """Run and insist on exit status 0; returns stdout."""
        result = self.run(*args)
        assert result.returncode == 0, describe(result)
        return result.stdout

    def ok_all(self, *commands: tuple[str, ...]) -> list[str]:
        """Run read-only commands side by side (each start-up takes a second or two); stdouts."""
        with ThreadPoolExecutor(max_workers=len(commands)) as pool:
            return list(pool.map(lambda args: self.ok(*args), commands))


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """A failed command, for assertion messages."""
    return (
        f"{' '.join(map(str, result.args))} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in ``output``, each as its cells' stripped texts."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago (for servers in other processes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
