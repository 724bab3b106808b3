"""The database: engine set-up per dialect, transactions, migrations.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so that a 202 really
means "on disk", and every write transaction starts with ``BEGIN IMMEDIATE``: writers queue on
the lock up front instead of failing half-way when a reader's snapshot turns stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OVERFLOW = 5  # connections beyond the pool are opened per use: fine for bursts, costly as a habit


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
                connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
                pool_size=pool_size,
                max_overflow=OVERFLOW,
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            # No pre-ping: it costs a round trip per checkout on the intake's hot path. Connections
            # broken by a database restart are dropped by the pool when they fail (and the request
            # fails with 500, retried by the portal with its Idempotency-Key); recycling bounds age.
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=OVERFLOW,
                pool_recycle=1800,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on normal exit, rolled back on any exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(hub_read_only=True)
            with conn.begin():
                yield conn

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        command.upgrade(self.alembic_config(), revision)

    def downgrade(self, revision: str = "base") -> None:
        command.downgrade(self.alembic_config(), revision)

    def dispose(self) -> None:
        self.engine.dispose()


def _json_dumps(value: Any) -> str:
    """orjson for JSON columns: several times faster than the json module on the hot paths."""
    return orjson.dumps(value).decode()


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get("hub_read_only", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
