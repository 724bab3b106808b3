"""The database: engine set-up per dialect, transactions, migrations.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so that a 202 really
means "on disk", and every write transaction starts with ``BEGIN IMMEDIATE``: writers queue on
the lock up front instead of failing half-way when a reader's snapshot turns stale.

Both engines hide bound parameters from their errors (``hide_parameters``): a failed statement's
message would otherwise quote attachment names, receivers' texts and applicants' data into logs.
:func:`is_outage` tells a database that is down or overloaded from a statement that is wrong.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url, text
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from hub.sealing import Sealer

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OVERFLOW = 5  # connections beyond the pool are opened per use: fine for bursts, costly as a habit
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable PostgreSQL host answers 503 after this, not after TCP's minutes
PING_AFTER_IDLE_SECONDS = 1.0
IDLE_SINCE = "hub_idle_since"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, sealer: Sealer | None = None) -> None:
        self.url = normalise_url(url)
        self.sealer = sealer or Sealer(None)
        """Seals personal content on its way in and opens it on its way out (off without a keyring)."""
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
                hide_parameters=True,
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            # No pool_pre_ping: a round trip per checkout costs the hot paths some 45 µs each. Only a
            # connection that sat idle in the pool is pinged (_ping_if_idle): that is where a restart
            # or pg_terminate_backend in a quiet moment hides. A connection in steady use that breaks
            # fails its request once (503, see is_outage); SQLAlchemy then sees the disconnect and
            # replaces every connection opened before it, so the next requests get fresh ones.
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=OVERFLOW,
                pool_recycle=1800,
                hide_parameters=True,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )
            event.listen(self.engine, "checkin", _mark_idle)
            event.listen(self.engine, "checkout", self._ping_if_idle)

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
        """One read transaction that sees one snapshot for all its statements.

        On PostgreSQL that takes REPEATABLE READ: under READ COMMITTED each statement has its own
        snapshot, and a submission read before and its deliveries read after a settlement commits
        would disagree (a dead delivery under a "delivered" status). A read-only transaction at
        that level never fails to serialise. SQLite's read transaction is one snapshot already.
        """
        with self.engine.connect() as conn:
            options: dict[str, object] = {"hub_read_only": True}
            if self.is_postgres:
                options["isolation_level"] = "REPEATABLE READ"
            conn = conn.execution_options(**options)
            with conn.begin():
                yield conn

    def ping(self) -> None:
        """One round trip to the database; raises when it cannot be reached (readiness)."""
        with self.read() as conn:
            conn.execute(text("SELECT 1"))

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

    def _ping_if_idle(self, dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            self.engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            # One broken idle connection means the server restarted or dropped us: the pool discards
            # every connection opened before now and opens a fresh one for this checkout.
            raise exc.InvalidatePoolError("idle connection is broken") from error


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database is unreachable or overloaded (retry later), not a bad statement.

    Connection failures (refused, dropped mid-request, terminated backends), a pool that stayed
    exhausted, PostgreSQL's connection, resource, shutdown and transaction-rollback classes and
    SQLite's busy, locked and I/O errors count; a constraint violation or SQL error does not.
    """
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES or sqlstate in _OUTAGE_SQLSTATES
    sqlite_name = getattr(error.orig, "sqlite_errorname", None)
    if isinstance(sqlite_name, str):
        return sqlite_name.startswith(_OUTAGE_SQLITE_ERRORS)
    # A driver error without a server's code is the client side of a connection failing.
    return isinstance(error, exc.OperationalError | exc.InterfaceError)


# SQLSTATE classes 08 connection exception, 40 transaction rollback (deadlock, serialization),
# 53 insufficient resources (too many connections, disk full), 57 operator intervention
# (admin or crash shutdown, cannot connect now, statement cancelled); 55P03 lock not available.
_OUTAGE_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57"})
_OUTAGE_SQLSTATES = frozenset({"55P03"})
_OUTAGE_SQLITE_ERRORS = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_FULL",
    "SQLITE_PROTOCOL",
)


def _json_dumps(value: Any) -> str:
    """orjson for JSON columns: several times faster than the json module on the hot paths."""
    return orjson.dumps(value).decode()


def _mark_idle(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
    record.info[IDLE_SINCE] = time.monotonic()


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
