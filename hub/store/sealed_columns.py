"""Which columns hold sealed personal content, each value's context, and re-sealing them (rotation).

The context of a value is its associated data (:mod:`hub.sealing.sealer`): table, column and the
row's identity. Attachments are identified by submission and position (their serial id is not
known before the one-statement insert of :mod:`hub.store.submissions`), deliveries by their id.

Sealed, with each value's context (``<s>`` submission id, ``<d>`` delivery id, ``<p>`` position):

* ``submission.envelope`` (applicant, form, attachments' names and sizes): ``submission.envelope/<s>``
* ``attachment.content`` and ``attachment.file_name``: ``attachment.content/<s>#<p>``,
  ``attachment.file_name/<s>#<p>``
* ``delivery.payload`` (the mapped message): ``delivery.payload/<d>``
* ``delivery.receipt`` (the receiver's answer, JSON): ``delivery.receipt/<d>``
* ``delivery.last_error`` (the receiver's error text, or the hub's reason): ``delivery.last_error/<d>``
* ``event.detail``, member by member (see below): ``event.detail/<s>/<d or ->/<event kind>/<member>``
* ``reply.text`` and ``reply.documents`` (a reply's decision and its documents' names, docs/replies.md):
  ``reply.text/<r>``, ``reply.documents/<r>`` (:mod:`hub.store.reply_sealing`)

Callback deliveries' payloads are sealed by rotation only (they hold ids and states).
An event's detail stays a JSON object with plain keys: the members of
:data:`hub.domain.retention.CONTENT_FREE_EVENT_KEYS` (destination, attempt, outcome, times,
status codes, counts) stay plain, so the console's trace, the metrics and a purge read them
without a key; every other member (``error``, ``responseExcerpt``, ``receipt``, a dead letter's
``reason`` and ``problems``, any member added later) is stored as its own sealed JSON text, so
what is sealed is exactly what a purge removes. ``purged`` and ``cancelled`` events hold only the
hub's own words (retention, erasure) and stay plain. The event id is not known before the insert,
so a member's context binds it to its submission, delivery, event kind and member name.

``delivery.last_error`` being sealed, the dead letters' "exhausted" or "refused" filter reads the
plain ``delivery.last_error_kind`` (``transient``, ``exhausted``, ``refused``, ``abandoned``,
``cancelled``): a classification by the hub, no text of the receiver's. Portal reference and
idempotency key stay plain: portals' case numbers and request keys, no personal data, and
operators look submissions up by them.

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

from sqlalchemy import Column, Connection, LargeBinary, Row, Table, Text, cast, func, select, update

from hub.domain.retention import CONTENT_FREE_EVENT_KEYS
from hub.domain.states import EventKind
from hub.sealing import SEALED_TEXT_PREFIX, Sealer
from hub.sealing.sealer import key_id_of
from hub.store import inbound, reply_sealing, tables
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


def receipt(delivery_id: str) -> str:
    return f"delivery.receipt/{delivery_id}"


def last_error(delivery_id: str) -> str:
    return f"delivery.last_error/{delivery_id}"


def event_member(submission_id: str, delivery_id: str | None, kind: str, member: str) -> str:
    return f"event.detail/{submission_id}/{delivery_id or '-'}/{kind}/{member}"


# Written after a purge, with the hub's own words only (the rule or "erasure"): nothing to seal.
PLAIN_EVENT_KINDS = frozenset({EventKind.PURGED.value, EventKind.CANCELLED.value})


def sealable_members(kind: str, detail: dict[str, Any]) -> list[str]:
    """The members of an event's detail that are sealed: those a purge removes."""
    if kind in PLAIN_EVENT_KINDS:
        return []
    return [m for m in detail if m not in CONTENT_FREE_EVENT_KEYS]


def seal_detail(
    sealer: Sealer, submission_id: str, delivery_id: str | None, kind: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """The detail with each member that could quote content sealed (the detail itself when none does)."""
    if not sealer.enabled:
        return detail
    members = sealable_members(kind, detail)
    if not members:
        return detail
    out = dict(detail)
    for m in members:
        out[m] = sealer.seal_json(out[m], event_member(submission_id, delivery_id, kind, m))
    return out


def open_detail(
    sealer: Sealer, submission_id: str, delivery_id: str | None, kind: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """The detail as it was written: its sealed members opened (plaintext ones read as they are)."""
    members = [m for m in sealable_members(kind, detail) if _is_sealed_text(detail[m])]
    if not members:
        return detail
    out = dict(detail)
    for m in members:
        out[m] = sealer.open_json(out[m], event_member(submission_id, delivery_id, kind, m))
    return out


def _is_sealed_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_TEXT_PREFIX)


@dataclass(frozen=True)
class SealedColumn:
    name: str
    kind: str  # "bytes", "text", "json" or "detail" (an event's detail, sealed member by member)
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
        (
            SealedColumn("payload", "bytes", lambda r: payload(r.id)),
            SealedColumn("receipt", "json", lambda r: receipt(r.id)),
            SealedColumn("last_error", "text", lambda r: last_error(r.id)),
        ),
    ),
    SealedTable(
        tables.event,
        tables.event.c.id,
        (tables.event.c.submission_id, tables.event.c.delivery_id, tables.event.c.kind),
        # the context is per member (event_member); this one only names the column in messages
        (SealedColumn("detail", "detail", lambda r: f"event.detail/{r.submission_id}"),),
    ),
    SealedTable(
        tables.inbound_message,
        tables.inbound_message.c.id,
        (),
        (SealedColumn("content", "bytes", lambda r: inbound.content_context(r.id)),),
    ),
    SealedTable(
        tables.inbound_attachment,
        tables.inbound_attachment.c.id,
        (tables.inbound_attachment.c.message_id, tables.inbound_attachment.c.position),
        (
            SealedColumn("content", "bytes", lambda r: inbound.attachment_context(r.message_id, r.position)),
            SealedColumn("file_name", "text", lambda r: inbound.file_name_context(r.message_id, r.position)),
        ),
    ),
    SealedTable(
        tables.reply,
        tables.reply.c.id,
        (),
        (
            SealedColumn("text", "text", lambda r: reply_sealing.text_context(r.id)),
            SealedColumn("documents", "json", lambda r: reply_sealing.documents_context(r.id)),
        ),
    ),
)


def status(db: Database) -> dict[str, Counter[str]]:
    """Per ``table.column``: how many values each key id protects, and how many are plaintext."""
    counts: dict[str, Counter[str]] = {}
    with db.read() as conn:
        for t in SEALED:
            for c in t.columns:
                if c.kind == "detail":
                    counts["event.detail"] = _detail_status(conn)
                    continue
                column = t.table.c[c.name]
                as_text = cast(column, LargeBinary if c.kind == "bytes" else Text)
                head = func.substr(as_text, 1, 40 if c.kind == "bytes" else HEADER_CHARS)
                query = select(head).where(column.is_not(None))
                counter: Counter[str] = Counter()
                for (value,) in conn.execute(query):
                    if value != "null":  # a JSON column's None is JSON null, not SQL NULL
                        counter[_key_id(value) or PLAINTEXT] += 1
                counts[f"{t.table.name}.{c.name}"] = counter
    return counts


def _detail_status(conn: Connection) -> Counter[str]:
    """Per key id, how many event detail members it protects (members to seal still in plaintext too)."""
    counter: Counter[str] = Counter()
    e = tables.event
    for kind, detail in conn.execute(select(e.c.kind, e.c.detail)):
        for m in sealable_members(kind, detail or {}):
            if detail[m] is not None:
                counter[key_id_of(detail[m]) or PLAINTEXT] += 1
    return counter


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
        if c.kind == "detail":
            if stored and _detail_needs_reseal(row.kind, stored, current):
                opened = open_detail(sealer, row.submission_id, row.delivery_id, row.kind, stored)
                values[c.name] = seal_detail(sealer, row.submission_id, row.delivery_id, row.kind, opened)
            continue
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


def _detail_needs_reseal(kind: str, detail: dict[str, Any], current: str) -> bool:
    return any(detail[m] is not None and key_id_of(detail[m]) != current for m in sealable_members(kind, detail))
