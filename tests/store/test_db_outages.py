"""Which database errors are outages (503, retry later) and which are the hub's bugs (500).

Each error is a real one, raised by the real PostgreSQL or SQLite through SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, exc, make_url, text

from hub.log_errors import describe, format_exception
from hub.store.db import Database, is_outage
from tests.support.tcp_proxy import TcpProxy


def _raised(action: Callable[[], object]) -> BaseException:
    with pytest.raises(exc.SQLAlchemyError) as caught:
        action()
    return caught.value


def _ping(db: Database) -> None:
    with db.read() as conn:
        conn.execute(text("SELECT 1"))


def test_a_refused_connection_is_an_outage(postgres_url: str) -> None:
    url = make_url(postgres_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxy.refuse()
        db = Database(url.set(port=proxy.port).render_as_string(hide_password=False))
        try:
            error = _raised(lambda: _ping(db))
        finally:
            db.dispose()
    assert is_outage(error)


def test_a_pool_that_stays_exhausted_is_an_outage(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        with engine.connect():
            error = _raised(engine.connect)
    finally:
        engine.dispose()
    assert isinstance(error, exc.TimeoutError)
    assert is_outage(error)


def test_a_locked_sqlite_file_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with engine.connect() as conn:
            error = _raised(lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    finally:
        engine.dispose()
        holder.close()
    assert "locked" in str(error)
    assert is_outage(error)


def _violate_key(conn: Connection, marker: str) -> None:
    conn.execute(text("CREATE TEMPORARY TABLE probe (name text PRIMARY KEY)"))
    conn.execute(text("INSERT INTO probe VALUES (:name)"), {"name": marker})
    conn.execute(text("INSERT INTO probe VALUES (:name)"), {"name": marker})


def test_a_violated_key_or_a_bad_statement_is_not_an_outage_and_is_described_without_its_values(
    postgres_url: str, tmp_path: Path
) -> None:
    marker = "Quxbertine-55aa"
    db = Database(postgres_url)
    try:
        with db.write() as conn:
            duplicate = _raised(lambda: _violate_key(conn, marker))
        with db.read() as conn:
            bad_sql = _raised(lambda: conn.execute(text("SELEC 1")))
    finally:
        db.dispose()
    sqlite = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with sqlite.read() as conn:
            missing_table = _raised(lambda: conn.execute(text("SELECT * FROM no_such_table")))
    finally:
        sqlite.dispose()

    assert not any(is_outage(e) for e in (duplicate, bad_sql, missing_table))
    assert marker in str(duplicate)  # the driver's text quotes the key (SQLAlchemy hides the parameters) ...
    assert "parameters hidden" in str(duplicate)
    assert marker not in describe(duplicate) + format_exception(duplicate)  # ... what logs show does not
    assert "sqlstate=23505" in describe(duplicate)
    assert "constraint=probe_pkey" in describe(duplicate)
