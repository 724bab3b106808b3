"""Operator controls of a destination, shared by every process: paused or not, circuit reset requests.

The row of ``destination_state`` is what each worker reads (through a short cache, see
:mod:`hub.delivery.controls`), so a pause said in the console holds in every worker process. A
resume makes the destination's waiting deliveries due at once and returns them to be nudged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.domain.circuit import shown_state
from hub.domain.clock import utcnow
from hub.domain.states import DeliveryKind, DeliveryState
from hub.store.db import Database
from hub.store.tables import delivery, destination_state

CONTROLS_CACHE_SECONDS = 1.0
"""How long a worker process may act on its cached view of the controls (see hub.delivery.controls)."""
_WAITING = (DeliveryState.PENDING.value, DeliveryState.RETRYING.value)


@dataclass(frozen=True)
class DestinationControl:
    destination_id: str
    paused: bool
    paused_at: datetime | None
    paused_by: str | None
    circuit_reset_at: datetime | None
    circuit_state: str = "closed"
    """The true state now (:func:`hub.domain.circuit.shown_state` of what a worker last stored):
    ``open``, ``half_open`` (a probe is out) or ``closed``."""
    circuit_open_until: datetime | None = None


@dataclass(frozen=True)
class ControlSnapshot:
    """What the workers need on their hot path: the paused set and the latest reset requests."""

    paused: frozenset[str] = frozenset()
    resets: dict[str, datetime] = field(default_factory=dict)


class DestinationStateStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _upsert(conn: Connection, destination_id: str, values: dict[str, Any]) -> None:
        now = utcnow()
        res = conn.execute(
            update(destination_state)
            .where(destination_state.c.destination_id == destination_id)
            .values(updated_at=now, **values)
        )
        if not res.rowcount:
            conn.execute(
                insert(destination_state).values(
                    {
                        "destination_id": destination_id,
                        "paused": False,
                        "circuit_state": "closed",
                        "consecutive_failures": 0,
                        "updated_at": now,
                        **values,
                    }
                )
            )

    def pause(self, destination_id: str, *, by: str) -> None:
        with self.db.write() as conn:
            self._upsert(conn, destination_id, {"paused": True, "paused_at": utcnow(), "paused_by": by[:100]})

    def resume(self, destination_id: str, *, for_sweeper: bool = False) -> tuple[list[tuple[str, str]], datetime]:
        """Unpause; the destination's waiting deliveries become due. Returns them and when to nudge them."""
        with self.db.write() as conn:
            self._upsert(conn, destination_id, {"paused": False, "paused_at": None, "paused_by": None})
            return self._make_due(conn, destination_id, for_sweeper)

    def request_circuit_reset(
        self, destination_id: str, *, by: str, for_sweeper: bool = False
    ) -> tuple[list[tuple[str, str]], datetime]:
        """Ask every worker to close its breaker; the waiting deliveries become due (as for resume)."""
        with self.db.write() as conn:
            values = {
                "circuit_reset_at": utcnow(),
                "circuit_reset_by": by[:100],
                "circuit_state": "closed",
                "circuit_open_until": None,
                "circuit_probe_until": None,
            }
            self._upsert(conn, destination_id, values)
            return self._make_due(conn, destination_id, for_sweeper)

    @staticmethod
    def _make_due(conn: Connection, destination_id: str, for_sweeper: bool) -> tuple[list[tuple[str, str]], datetime]:
        """Due once every worker's cached view of the controls has seen the change, so that none of
        them still takes the destination for paused (or its circuit for open) and defers them again.

        ``for_sweeper``: this process's broker reaches no worker; leave them for the running hub's
        sweeper (never enqueued).
        """
        now = utcnow()
        at = now + timedelta(seconds=CONTROLS_CACHE_SECONDS + 0.1)
        waiting = (
            delivery.c.destination_id == destination_id,
            delivery.c.state.in_(_WAITING),
            delivery.c.kind == DeliveryKind.SUBMISSION.value,
        )
        ids = list(conn.execute(select(delivery.c.id).where(*waiting)).scalars())
        if ids:
            conn.execute(
                update(delivery)
                .where(delivery.c.id.in_(ids), *waiting)
                .values(next_attempt_at=at, enqueued_at=None if for_sweeper else at, updated_at=now)
            )
        return [(i, destination_id) for i in ids], at

    def record_circuit(
        self,
        destination_id: str,
        state: str,
        failures: int,
        *,
        open_until: datetime | None = None,
        probe_until: datetime | None = None,
    ) -> None:
        """A breaker opened, took its probe or closed (written on the change only, never per
        attempt), with the time its state runs out: read after that, it is shown as closed."""
        values = {
            "circuit_state": state,
            "consecutive_failures": failures,
            "circuit_open_until": open_until,
            "circuit_probe_until": probe_until,
        }
        with self.db.write() as conn:
            self._upsert(conn, destination_id, values)

    def snapshot(self) -> ControlSnapshot:
        with self.db.read() as conn:
            rows = conn.execute(
                select(
                    destination_state.c.destination_id,
                    destination_state.c.paused,
                    destination_state.c.circuit_reset_at,
                ).where(destination_state.c.paused.is_(True) | destination_state.c.circuit_reset_at.is_not(None))
            ).all()
        return ControlSnapshot(
            paused=frozenset(r.destination_id for r in rows if r.paused),
            resets={r.destination_id: r.circuit_reset_at for r in rows if r.circuit_reset_at is not None},
        )

    def all(self) -> dict[str, DestinationControl]:
        with self.db.read() as conn:
            rows = conn.execute(select(destination_state)).all()
        now = utcnow()
        return {
            r.destination_id: DestinationControl(
                r.destination_id,
                r.paused,
                r.paused_at,
                r.paused_by,
                r.circuit_reset_at,
                shown_state(r.circuit_state, r.circuit_open_until, r.circuit_probe_until, now).value,
                r.circuit_open_until,
            )
            for r in rows
        }
