"""Which columns hold sealed personal content, each value's context, and re-sealing them (rotation).

The context of a value is its associated data (:mod:`hub.sealing.sealer`): table, column and the
row's identity. Attachments are identified by submission and position (their serial id is not
known before the one-statement insert of :mod:`hub.store.submissions`), deliveries by their id.

Sealed now: ``submission.envelope`` (applicant and form, and the attachments' names and sizes),
``attachment.content`` and ``attachment.file_name``, ``delivery.payload`` (the mapped message;
callback deliveries' payloads are sealed by rotation only, they hold ids and states). Portal
reference and idempotency key stay plain: portals' case numbers and request keys, no personal
data, and operators look submissions up by them.

:func:`rotate_batch` re-seals, in one transaction, the next rows of a table whose values are in
plaintext or under another key than the current one, under row locks (``FOR UPDATE`` on
PostgreSQL, SQLite's write lock), so that a purge or a settlement between read and write cannot
be undone by it. The keyset pagination (primary key ``>`` the last one seen) makes a run
resumable: a killed run leaves every batch either done or untouched, and the next run skips the
rows already under the current key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, LargeBinary, Row, Table, Text, cast, func, select, update

from hub.sealing import Sealer
from hub.sealing.sealer import key_id_of
from hub.store import tables
from hub.store.db import Database

PLAINTEXT = "plaintext"
HEADER_CHARS = 72  # enough of a sealed text (quote, "hs1:", base64) for its key id


def envelope(submission_id: str) -> str:
    return f"submission.envelope/{submission_id}"


def attachment(submission_id: str, position: int) -> str:
    return f"attachment.content/{submission_id}#{position}"


def file_name(submission_id: str, position: int) -> str:
    return f"attachment.file_name/{submission_id}#{position}"


def payload(delivery_id: str) -> str:
    return f"delivery.payload/{delivery_id}"


@dataclass(frozen=True)
class SealedColumn:
    name: str
    kind: str  # "bytes", "text" or "json"
    context: Callable[[Any], str]


@dataclass(frozen=True)
class SealedTable:
    table: Table
    key: Column[Any]
    identity: tuple[Column[Any], ...]
    columns: tuple[SealedColumn, ...]


SEALED: tuple[SealedTable, ...] = (
    SealedTable(
        tables.submission,
        tables.submission.c.id,
        (),
        (SealedColumn("envelope", "json", lambda r: envelope(r.id)),),
    ),
    SealedTable(
        tables.attachment,
        tables.attachment.c.id,
        (tables.attachment.c.submission_id, tables.attachment.c.position),
        (
            SealedColumn("content", "bytes", lambda r: attachment(r.submission_id, r.position)),
            SealedColumn("file_name", "text", lambda r: file_name(r.submission_id, r.position)),
        ),
    ),
    SealedTable(
        tables.delivery,
        tables.delivery.c.id,
        (),
        (SealedColumn("payload", "bytes", lambda r: payload(r.id)),),
    ),
)


def status(db: Database) -> dict[str, Counter[str]]:
    """Per ``table.column``: how many values each key id protects, and how many are plaintext."""
    counts: dict[str, Counter[str]] = {}
    with db.read() as conn:
        for t in SEALED:
            for c in t.columns:
                column = t.table.c[c.name]
                as_text = cast(column, LargeBinary if c.kind == "bytes" else Text)
                head = func.substr(as_text, 1, 40 if c.kind == "bytes" else HEADER_CHARS)
                query = select(head).where(column.is_not(None))
                counter: Counter[str] = Counter()
                for (value,) in conn.execute(query):
                    counter[_key_id(value) or PLAINTEXT] += 1
                counts[f"{t.table.name}.{c.name}"] = counter
    return counts


def _key_id(head: Any) -> str | None:
    if isinstance(head, str):
        return key_id_of(head.lstrip('"'))
    return key_id_of(bytes(head))


def rows_to_examine(db: Database) -> int:
    with db.read() as conn:
        return sum(int(conn.execute(select(func.count()).select_from(t.table)).scalar_one()) for t in SEALED)


def rotate_batch(db: Database, table: SealedTable, after: Any, limit: int) -> tuple[Any, int, int]:
    """Re-seal the next ``limit`` rows after key ``after``: (last key seen or None at the end, rows seen, re-sealed)."""
    sealer = db.sealer
    current = sealer.current_key_id
    if current is None:
        raise ValueError("no keyring: nothing to rotate to")
    columns = [table.table.c[c.name] for c in table.columns]
    query = select(table.key, *table.identity, *columns).order_by(table.key).limit(limit)
    if after is not None:
        query = query.where(table.key > after)
    if db.is_postgres:
        query = query.with_for_update()
    resealed = 0
    with db.write() as conn:
        rows = conn.execute(query).all()
        for row in rows:
            values = _resealed(sealer, table, row, current)
            if values:
                conn.execute(update(table.table).where(table.key == row[0]).values(**values))
                resealed += 1
    return (rows[-1][0] if rows else None), len(rows), resealed


def _resealed(sealer: Sealer, table: SealedTable, row: Row[Any], current: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for c in table.columns:
        stored = getattr(row, c.name)
        if stored is None or key_id_of(stored) == current:
            continue
        context = c.context(row)
        if c.kind == "bytes":
            values[c.name] = sealer.seal(sealer.open(stored, context), context)
        elif c.kind == "text":
            values[c.name] = sealer.seal_text(sealer.open_text(stored, context), context)
        else:
            values[c.name] = sealer.seal_json(sealer.open_json(stored, context), context)
    return values
