"""``hub keys status|rotate|generate``: the keyring of encryption at rest (:mod:`hub.sealing`).

``rotate`` runs in the foreground of this command while the hub keeps serving: batches of rows,
each its own transaction, so it can be stopped (even by SIGKILL) and run again; the next run
skips what the last one sealed. Without a terminal it prints one ``rotated`` line per batch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.context import console, settings

if TYPE_CHECKING:
    from hub.store.db import Database


@click.group()
def keys() -> None:
    """Encryption at rest: which keys protect the stored personal content; re-sealing it."""


def _database() -> Database:
    from hub.bootstrap import sealer_for
    from hub.store.db import Database

    current = settings()
    return Database(current.database_url, pool_size=2, sealer=sealer_for(current))


@keys.command("status")
def keys_status() -> None:
    """How many stored values each key id protects, per column; values still in plaintext."""
    from hub.store.sealed_columns import PLAINTEXT, status

    db = _database()
    try:
        counts = status(db)
    finally:
        db.dispose()
    table = Table("column", "key id", "values")
    unprotected = 0
    for column, counter in counts.items():
        for key_id, n in sorted(counter.items()):
            table.add_row(column, key_id, str(n))
            unprotected += n if key_id == PLAINTEXT else 0
    console.print(table)
    current = db.sealer.current_key_id
    console.print(f"current key: {current or 'none (encryption at rest is off)'}; unprotected values: {unprotected}")


@keys.command("rotate")
@click.option("--batch-size", default=200, show_default=True, help="Rows per transaction.")
def keys_rotate(batch_size: int) -> None:
    """Re-seal every stored value not under the current key (plaintext ones too), batch by batch."""
    from hub.store.sealed_columns import SEALED, rotate_batch, rows_to_examine

    db = _database()
    if not db.sealer.enabled:
        raise click.ClickException("no keyring configured (HUB_DATA_KEYS_FILE or HUB_DATA_KEYS): nothing to rotate to")
    resealed = 0
    try:
        total = rows_to_examine(db)
        columns = (TextColumn("re-sealing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("rotate", total=total)
            seen = 0
            for table in SEALED:
                after: object = None
                while True:
                    after, n, sealed = rotate_batch(db, table, after, batch_size)
                    seen, resealed = seen + n, resealed + sealed
                    progress.advance(task, n)
                    if not console.is_terminal:
                        click.echo(f"rotated {seen}/{total} {table.table.name}", nl=True)
                    if after is None:
                        break
    finally:
        db.dispose()
    click.echo(f"{resealed} rows re-sealed under key {db.sealer.current_key_id}")


@keys.command("generate")
@click.option("--file", "path", type=click.Path(path_type=Path), help="Keyring file (default: HUB_DATA_KEYS_FILE).")
@click.option("--id", "key_id", help="The new key's id (default: k<UTC date and time>).")
def keys_generate(path: Path | None, key_id: str | None) -> None:
    """Add a new random key to the keyring file and make it the current one (older keys stay for reads)."""
    from hub.sealing.keyring import Keyring, generate_key, load_keyring, write_keyring

    path = path or settings().data_keys_file
    if path is None:
        raise click.ClickException("give --file or set HUB_DATA_KEYS_FILE")
    key_id = key_id or "k" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    existing = load_keyring(path, None) if path.exists() else None
    keyring = existing.with_new_current(key_id) if existing else Keyring(key_id, {key_id: generate_key()})
    write_keyring(path, keyring)
    click.echo(f"{path}: current key {key_id} ({len(keyring.keys)} keys)")
