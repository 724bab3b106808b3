"""Fixtures of the CLI tests: the ``hub`` command on a SQLite file, and a hub running on the same file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.cli import HubCli, hub_env


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def cli(sqlite_url: str, region_dir: Path) -> HubCli:
    return HubCli(hub_env(sqlite_url, region_dir))


@pytest.fixture
def running(sqlite_url: str, region_dir: Path, sim: httpx.Client) -> Iterator[RunningHub]:
    """A hub (API, worker and sweeper) in this process, on the same SQLite file as the CLI."""
    hub = start_hub(make_settings(sqlite_url, region_dir))
    yield hub
    stop_hub(hub)
