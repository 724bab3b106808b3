"""Fixtures: real databases (SQLite and PostgreSQL), real Redis, the simulator and the hub as real servers.

PostgreSQL and Redis are required: a test that needs one fails (it does not skip) when the
service is missing, so a green run always means the real thing was exercised.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text

from hub.bootstrap import HubContext, build
from hub.config import PROJECT_ROOT, Settings
from hub.sim.backoffice import create_backoffice_app
from hub.sim.kit.server import ServerThread
from hub.store.db import Database, normalise_url
from hub.store.tables import metadata
from tests.support.region import GLADBECK, HERTEN, write_region
from tests.support.sealing import TEST_KEYRING

BASE_POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BASE_REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Under pytest-xdist (scripts/test runs the suite in parallel) each worker has a database and a
# Redis database of its own: gw0 the given ones, gw1 "<database>_gw1" and the Redis db below.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _worker_postgres_url(base: str) -> str:
    if WORKER == 0:
        return base
    head, _, name = base.rpartition("/")
    return f"{head}/{name.split('?')[0]}_gw{WORKER}"


def _worker_redis_url(base: str) -> str:
    if WORKER == 0:
        return base
    head, _, db = base.rpartition("/")
    return f"{head}/{(int(db or 0) - WORKER) % 16}"


POSTGRES_URL = _worker_postgres_url(BASE_POSTGRES_URL)
REDIS_URL = _worker_redis_url(BASE_REDIS_URL)

pytest_plugins = ["tests.support.clamd"]  # the session's real clamd, for any test that takes it


def _create_worker_database() -> None:
    """The worker's own database beside the given one, made on first use (CREATE DATABASE cannot
    run in a transaction, hence AUTOCOMMIT on a connection to the given database)."""
    name = POSTGRES_URL.rpartition("/")[2]
    admin = create_engine(normalise_url(BASE_POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = normalise_url(POSTGRES_URL)
    if WORKER:
        try:
            _create_worker_database()
        except Exception as exc:
            pytest.fail(f"PostgreSQL is required at {BASE_POSTGRES_URL} (HUB_TEST_POSTGRES_URL): {exc}")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL is required at {POSTGRES_URL} (HUB_TEST_POSTGRES_URL): {exc}")
    finally:
        engine.dispose()
    # Dropped whole, not downgraded: a database left at a revision this checkout does not know
    # (another branch's migration) must not fail the run.
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    db = Database(url)
    db.upgrade()
    db.dispose()
    return url


@pytest.fixture
def redis_url() -> str:
    """The test's Redis database, emptied: no broker message nor destination limit (a circuit
    opened by an earlier test) carries over."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
        client.flushdb()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL} (HUB_TEST_REDIS_URL): {exc}")
    finally:
        client.close()
    return REDIS_URL


def _truncate(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in reversed(metadata.sorted_tables))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs twice: on SQLite (a fresh file) and on PostgreSQL (truncated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    yield url


@pytest.fixture(scope="session")
def backoffice() -> Iterator[ServerThread]:
    with ServerThread(create_backoffice_app()) as server:
        yield server


@pytest.fixture
def sim(backoffice: ServerThread) -> Iterator[httpx.Client]:
    """A client for the simulator's control API, with messages and faults cleared before the test."""
    with httpx.Client(base_url=backoffice.url, timeout=10) as client:
        client.delete("/_sim/faults")
        client.delete("/_sim/messages")
        yield client
        client.delete("/_sim/faults")


@pytest.fixture
def region_dir(tmp_path: Path, backoffice: ServerThread) -> Path:
    return write_region(tmp_path / "region", backoffice.url)


# Every hub the fixtures build seals its personal content (issue 13, TEST_KEYRING): the whole suite
# proves the hub delivers, shows and replays as before with encryption at rest on.
def make_settings(database_url: str, region_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "data_keys": TEST_KEYRING,
        "broker_url": "memory://",
        "config_dir": region_dir,
        "mappings_dir": PROJECT_ROOT / "mappings",
        "sweep_interval_seconds": 0.2,
        "requeue_after_seconds": 2.0,
        "worker_threads": 4,
        "log_format": "console",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class RunningHub:
    """The hub served over real HTTP, with the context for direct inspection."""

    ctx: HubContext
    server: ServerThread
    api: httpx.Client
    gladbeck_key: str
    herten_key: str
    operator_key: str

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def start_hub(settings: Settings, *, run_worker: bool = True) -> RunningHub:
    from hub.api.app import create_app

    ctx = build(settings, migrate=True)
    _, gladbeck = ctx.clients.create("portal-gladbeck", [GLADBECK])
    _, herten = ctx.clients.create("portal-herten", [HERTEN])
    _, operator = ctx.clients.create("ops-kreis", ["*"], roles=["operator"])
    server = ServerThread(create_app(ctx, run_worker=run_worker)).start()
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {gladbeck}"}, timeout=30)
    return RunningHub(ctx, server, api, gladbeck, herten, operator)


def stop_hub(running: RunningHub) -> None:
    running.api.close()
    running.server.stop()
    running.ctx.close()


@pytest.fixture
def hub(database_url: str, region_dir: Path, sim: httpx.Client) -> Iterator[RunningHub]:
    running = start_hub(make_settings(database_url, region_dir))
    yield running
    stop_hub(running)
