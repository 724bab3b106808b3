"""The Alembic migrations create exactly the schema of ``hub.store.tables`` (SQLite, PostgreSQL).

On PostgreSQL this runs on the suite's shared test database, which other tests expect at head:
every test leaves it upgraded, whatever happens in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from hub.store.db import Database
from hub.store.tables import metadata

ALEMBIC_VERSION = "alembic_version"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.upgrade()
        database.dispose()


def table_names(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {ALEMBIC_VERSION}


def columns_of(db: Database, table: str) -> dict[str, bool]:
    """Column name -> nullable, as the database reports it."""
    return {c["name"]: bool(c["nullable"]) for c in inspect(db.engine).get_columns(table)}


def differences(db: Database) -> list[Any]:
    """What ``alembic revision --autogenerate`` would put into a new migration."""
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "compare_server_default": True}
        context = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(context, metadata))


def test_upgrade_head_creates_exactly_the_tables_and_columns_of_the_metadata(db: Database) -> None:
    # Given an empty database
    db.downgrade("base")
    assert table_names(db) == set()

    # When it is upgraded to head
    db.upgrade("head")

    # Then it has exactly the metadata's tables, each with the metadata's columns and nullability
    assert table_names(db) == set(metadata.tables)
    for name, table in metadata.tables.items():
        assert columns_of(db, name) == {c.name: bool(c.nullable) for c in table.columns}, name
        primary = inspect(db.engine).get_pk_constraint(name)["constrained_columns"]
        assert primary == [c.name for c in table.primary_key.columns], name


def test_downgrade_base_removes_the_tables_and_upgrade_works_again(db: Database) -> None:
    # Given a database at head
    db.upgrade("head")

    # When it is downgraded to base
    db.downgrade("base")

    # Then none of the tables is left, and autogenerate would have to add every one of them
    assert table_names(db) == set()
    added = {diff[1].name for diff in differences(db) if diff[0] == "add_table"}
    assert added == set(metadata.tables)

    # When it is upgraded again
    db.upgrade("head")

    # Then the schema is back, complete
    assert table_names(db) == set(metadata.tables)


def test_autogenerate_finds_nothing_between_the_migrated_database_and_the_metadata(
    db: Database,
) -> None:
    # Given a database migrated from scratch
    db.downgrade("base")
    db.upgrade("head")

    # When Alembic compares it with the metadata, types and server defaults included
    found = differences(db)

    # Then there is nothing a new migration would have to do.
    # On SQLite reflection sees less than on PostgreSQL: SQLite keeps only the declared type name
    # (no timezone flag on timestamps, no JSONB, INTEGER for every integer width), so such type
    # differences would go unnoticed there; Alembic compares no CHECK constraints on either.
    # Nothing needs ignoring today; PostgreSQL, which reflects the real types, is the
    # authoritative half of this test.
    assert found == []
