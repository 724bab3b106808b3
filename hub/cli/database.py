"""``hub db upgrade``: the database schema, migrated with Alembic."""

from __future__ import annotations

import click

from hub.cli.context import console, settings


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from hub.store.db import Database

    database = Database(settings().database_url)
    database.upgrade(revision)
    console.print(f"database at {revision}: {database.engine.url.render_as_string(hide_password=True)}")
