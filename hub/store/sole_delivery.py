"""Settling the attempts of sole deliveries in one statement on PostgreSQL.

A sole delivery is the only delivery of its submission, posted by a portal that wants no status
callbacks: the common case. The general path (:mod:`hub.store.settlement`) takes a row lock on
the submission, updates the delivery, re-derives the status from all deliveries and appends
events: seven round trips per delivery. With a sole delivery the status follows from that
delivery's new state alone, so the transition's three writes fit one block of data-modifying
CTEs, guarded by the lease (``lease_owner``): if another worker took the lease over, the block
writes nothing. A batch of transitions settles as one statement of such blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text

from hub.domain.submission_status import overall_status
from hub.domain.transitions import Transition
from hub.sealing import Sealer
from hub.store.settlement import delivery_values, event_rows
from hub.store.tables import delivery, event, submission

_EVENT_COLUMNS = ("submission_id", "delivery_id", "kind", "at", "detail")


def _block(k: int, columns: tuple[str, ...], n_events: int) -> tuple[str, list[Any]]:
    p = f"k{k}_"
    sets = "".join(f", {c} = :{p}v_{c}" for c in columns)
    rows = ", ".join("(" + ", ".join(f":{p}e{i}_{c}" for c in _EVENT_COLUMNS) + ")" for i in range(n_events))
    # Only generated identifiers and bind-parameter names are interpolated, never input.
    sql = f"""
d{k} AS (
  UPDATE delivery SET state = :{p}state, lease_owner = NULL, lease_expires_at = NULL,
         updated_at = :{p}at{sets}
  WHERE id = :{p}delivery_id AND lease_owner = :{p}owner AND state = 'in_flight'
  RETURNING id),
s{k} AS (
  UPDATE submission SET status = :{p}status, updated_at = :{p}at
  WHERE id = :{p}submission_id AND status <> :{p}status AND EXISTS (SELECT 1 FROM d{k})
  RETURNING id),
e{k} AS (
  INSERT INTO event (submission_id, delivery_id, kind, at, detail)
  SELECT v.submission_id, v.delivery_id, v.kind, v.at, v.detail
  FROM (VALUES {rows}) AS v(submission_id, delivery_id, kind, at, detail)
  WHERE EXISTS (SELECT 1 FROM d{k})
  UNION ALL
  SELECT :{p}submission_id, NULL, 'status_changed', :{p}at, :{p}status_detail FROM s{k})"""
    binds = [bindparam(f"{p}at", type_=delivery.c.updated_at.type)]
    binds += [bindparam(f"{p}v_{c}", type_=delivery.c[c].type) for c in columns]
    binds += [bindparam(f"{p}status_detail", type_=event.c.detail.type)]
    binds += [bindparam(f"{p}status", type_=submission.c.status.type)]
    for i in range(n_events):
        binds += [bindparam(f"{p}e{i}_{c}", type_=event.c[c].type) for c in _EVENT_COLUMNS]
    return sql, binds


@lru_cache(maxsize=256)
def _statement(shapes: tuple[tuple[tuple[str, ...], int], ...]) -> TextClause:
    blocks = [_block(k, columns, n_events) for k, (columns, n_events) in enumerate(shapes)]
    counts = ", ".join(f"(SELECT count(*) FROM d{k}) AS a{k}" for k in range(len(shapes)))
    sql = "WITH " + ",".join(b[0] for b in blocks) + f"\nSELECT {counts}"
    binds = []
    for _, block_binds in blocks:
        binds += block_binds
    return text(sql).bindparams(*binds)


def sole_status(t: Transition) -> str:
    """The submission's status after the transition of its sole delivery."""
    return overall_status([t.state]).value


def settle_sole(conn: Connection, transitions: Sequence[Transition], sealer: Sealer) -> list[bool]:
    """Whether each transition was applied. ``conn`` must be in autocommit: the statement is the transaction."""
    params: dict[str, Any] = {}
    shapes = []
    for k, t in enumerate(transitions):
        p = f"k{k}_"
        d, status, values, events = t.delivery, sole_status(t), delivery_values(t, sealer), event_rows(t, sealer)
        params[f"{p}at"] = t.at
        params[f"{p}delivery_id"] = d.id
        params[f"{p}owner"] = d.owner
        params[f"{p}submission_id"] = d.submission_id
        params[f"{p}state"] = t.state.value
        params[f"{p}status"] = status
        params[f"{p}status_detail"] = {"status": status}
        params.update({f"{p}v_{c}": v for c, v in values.items()})
        for i, row in enumerate(events):
            params.update({f"{p}e{i}_{c}": row[c] for c in _EVENT_COLUMNS})
        shapes.append((tuple(values), len(events)))
    applied = conn.execute(_statement(tuple(shapes)), params).one()
    return [bool(applied[k]) for k in range(len(transitions))]
