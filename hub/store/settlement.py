"""Settling an attempt: writing the transition the domain decided, with what follows from it.

One transaction per transition: the delivery row (guarded by the lease, so a worker whose lease
was taken over writes nothing), the attempt's events, the submission's re-derived status and,
for portals that asked for them, a status callback in the outbox. The common case, a submission
with one delivery whose portal wants no callbacks, takes the one-statement path of
:mod:`hub.store.sole_delivery` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, update

from hub.domain import status_callbacks
from hub.domain.states import DeliveryKind, DeliveryState
from hub.domain.transitions import LeasedDelivery, Transition, error_kind
from hub.logging import CORRELATION_HEADER
from hub.sealing import Sealer
from hub.store import sealed_columns as contexts
from hub.store.callback_outbox import CallbackOutbox
from hub.store.events import event_row, insert_events
from hub.store.submission_status import lock_submission, update_status
from hub.store.tables import delivery

S = DeliveryState


@dataclass(frozen=True)
class Settled:
    """What writing a transition did: whether we still held the lease, the status, callbacks to nudge."""

    applied: bool
    status: str | None = None
    callbacks: list[tuple[str, str]] = field(default_factory=list)


def still_held(d: LeasedDelivery) -> tuple[ColumnElement[bool], ...]:
    """The delivery is in flight under this worker's lease (not taken over since)."""
    return (delivery.c.id == d.id, delivery.c.lease_owner == d.owner, delivery.c.state == S.IN_FLIGHT.value)


def delivery_values(t: Transition, sealer: Sealer) -> dict[str, Any]:
    """The delivery's columns a transition sets, besides its state and the released lease.

    The receiver's receipt and error text are sealed here: one seal each, in memory, no round trip.
    """
    d = t.delivery
    values: dict[str, Any] = {
        "last_error": sealer.seal_text(t.error, contexts.last_error(d.id)),
        "last_error_kind": error_kind(t.state, t.error),
        "last_status_code": t.attempt.status_code,
    }
    if t.state is S.DELIVERED:
        return {"delivered_at": t.at, "receipt": sealer.seal_json(t.receipt, contexts.receipt(d.id)), **values}
    if t.state is S.RETRYING:
        # The deliverer nudges the broker for the retry's time: that is its enqueue.
        return {"next_attempt_at": t.next_attempt_at, "enqueued_at": t.next_attempt_at, **values}
    return {"dead_at": t.at, "next_attempt_at": None, **values}


def event_rows(t: Transition, sealer: Sealer) -> list[dict[str, Any]]:
    """The attempt's event and the transition's own, in that order."""
    d = t.delivery
    return [
        event_row(d.submission_id, d.id, kind, t.at, detail, sealer) for kind, detail in (t.attempt_event, *t.events)
    ]


def settle(conn: Connection, t: Transition, outbox: CallbackOutbox, sealer: Sealer) -> Settled:
    """Write one transition in ``conn``'s transaction (the general path)."""
    d = t.delivery
    is_submission = d.kind == DeliveryKind.SUBMISSION.value
    head = lock_submission(conn, d.submission_id) if is_submission else None
    res = conn.execute(
        update(delivery)
        .where(*still_held(d))
        .values(
            state=t.state.value, lease_owner=None, lease_expires_at=None, updated_at=t.at, **delivery_values(t, sealer)
        )
    )
    if not res.rowcount:
        return Settled(applied=False)  # another worker took the expired lease over
    rows = event_rows(t, sealer)
    if head is None:  # a callback's own delivery changes no submission's status
        insert_events(conn, rows)
        return Settled(applied=True)
    change = update_status(conn, head, t.at, [t.state])
    if change.event is not None:
        kind, detail = change.event
        rows.append(event_row(d.submission_id, None, kind, t.at, detail, sealer))
    callback = status_callbacks.after_attempt(t, change.status.value)
    callbacks = outbox.queue(conn, callback, d.headers.get(CORRELATION_HEADER))
    insert_events(conn, rows)
    return Settled(applied=True, status=change.status.value, callbacks=callbacks)
