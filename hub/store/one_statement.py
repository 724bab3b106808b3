"""Inserting rows into several tables with one statement on PostgreSQL.

A chain of data-modifying CTEs (``WITH a AS (INSERT ...), b AS (INSERT ...) SELECT 1``) is one
statement: atomic on its own, one round trip, no BEGIN/COMMIT exchange. Foreign keys between the
inserted rows hold because PostgreSQL checks them at the end of the statement. Intake uses it to
store a submission with its attachments, deliveries and events: five round trips become one.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, text


@lru_cache(maxsize=256)
def _statement(shape: tuple[tuple[Table, tuple[str, ...], int], ...]) -> TextClause:
    parts: list[str] = []
    binds = []
    for t_index, (table, columns, count) in enumerate(shape):
        rows = []
        for r in range(count):
            names = [f"t{t_index}r{r}_{c}" for c in columns]
            rows.append("(" + ", ".join(f":{n}" for n in names) + ")")
            binds += [bindparam(n, type_=table.c[c].type) for n, c in zip(names, columns, strict=True)]
        parts.append(f"i{t_index} AS (INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join(rows)})")
    # Table and column names come from the schema, never from input; values are bind parameters.
    return text("WITH " + ", ".join(parts) + " SELECT 1").bindparams(*binds)


def insert_all(conn: Connection, batches: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    """Insert every batch (a table and its rows, all rows with the same keys) in one statement."""
    batches = [(table, rows) for table, rows in batches if rows]
    shape = tuple((table, tuple(rows[0]), len(rows)) for table, rows in batches)
    params: dict[str, Any] = {}
    for t_index, (_, rows) in enumerate(batches):
        for r, row in enumerate(rows):
            for column, value in row.items():
                params[f"t{t_index}r{r}_{column}"] = value
    conn.execute(_statement(shape), params)
