"""A submission's stored status, kept in step with its deliveries.

Whoever changes a delivery of a submission takes the submission's row lock first (lock order:
submission, then its deliveries, so concurrent workers never deadlock), changes the delivery, and
then has the status re-derived by the domain's rule (:mod:`hub.domain.submission_status`) from
the states of all its deliveries; the row is written only when the status changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from hub.domain.states import DeliveryKind, DeliveryState
from hub.domain.submission_status import StatusChange, follow
from hub.store.tables import delivery, submission


@dataclass(frozen=True)
class SubmissionHead:
    """The locked submission row's status and how many deliveries it has."""

    id: str
    status: str
    delivery_count: int


def lock_submission(conn: Connection, submission_id: str) -> SubmissionHead:
    row = conn.execute(
        select(submission.c.status, submission.c.delivery_count)
        .where(submission.c.id == submission_id)
        .with_for_update()
    ).one()
    return SubmissionHead(submission_id, row.status, row.delivery_count)


def delivery_states(conn: Connection, submission_id: str) -> list[DeliveryState]:
    """The states of the submission's deliveries (its callbacks are not among them)."""
    rows = conn.execute(
        select(delivery.c.state).where(
            delivery.c.submission_id == submission_id,
            delivery.c.kind == DeliveryKind.SUBMISSION.value,
        )
    ).scalars()
    return [DeliveryState(s) for s in rows]


def update_status(
    conn: Connection, head: SubmissionHead, now: datetime, known: Sequence[DeliveryState] = ()
) -> StatusChange:
    """Re-derive the status after a change of deliveries and store it if it changed.

    ``known``: the new states of the deliveries just changed; when they are all the submission
    has, the others need not be read.
    """
    states = list(known) if head.delivery_count == len(known) else delivery_states(conn, head.id)
    change = follow(head.status, states)
    if change.changed:
        conn.execute(
            update(submission).where(submission.c.id == head.id).values(status=change.status.value, updated_at=now)
        )
    return change
