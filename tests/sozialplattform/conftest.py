"""Fixtures: the FIT-Connect simulator (keys generated once per session) and a hub that reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.schemas import SchemaCatalog
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.fitconnect import (
    CALLBACK_SECRET,
    CLIENT_SECRET,
    STANDARDS,
    RunningFitConnect,
    schema_catalog,
    start_fitconnect,
    write_fitconnect_region,
)


@pytest.fixture(scope="session")
def catalog() -> SchemaCatalog:
    return schema_catalog()


@pytest.fixture(scope="session")
def fitconnect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFitConnect]:
    running = start_fitconnect(
        tmp_path_factory.mktemp("fitconnect"), {"Gladbeck": "055620014014", "Herten": "055620020020"}
    )
    yield running
    running.server.stop()


@pytest.fixture
def fc(fitconnect: RunningFitConnect) -> Iterator[httpx.Client]:
    """The simulator's control API: accepting, without faults or callbacks, before and after each test."""
    with httpx.Client(base_url=fitconnect.url, timeout=10) as client:
        client.delete("/_sim/faults")
        client.put("/_sim/decision", json={"outcome": "accept"})
        client.put("/_sim/callback", json={})
        client.put("/_sim/routes", json={"forgeSignatures": False})
        yield client
        client.delete("/_sim/faults")
        client.put("/_sim/decision", json={"outcome": "accept"})
        client.put("/_sim/callback", json={})
        client.put("/_sim/routes", json={"forgeSignatures": False})


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_FITCONNECT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("HUB_TEST_FITCONNECT_CALLBACK_SECRET", CALLBACK_SECRET)


def social_hub(database_url: str, directory: Path, fitconnect: RunningFitConnect, **settings: object) -> RunningHub:
    region = write_fitconnect_region(directory, fitconnect, **settings)
    return start_hub(make_settings(database_url, region, schema_path=str(STANDARDS), outcome_poll_interval_seconds=0.3))


@pytest.fixture
def hub(
    database_url: str, tmp_path: Path, fitconnect: RunningFitConnect, fc: httpx.Client, secrets: None
) -> Iterator[RunningHub]:
    running = social_hub(database_url, tmp_path / "region", fitconnect)
    yield running
    stop_hub(running)
