"""The operator use cases on fakes of their ports: what they nudge, invalidate and audit, no database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from hub.service.operations import Operations
from hub.store.destination_states import ControlSnapshot

DUE = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class FakeStore:
    """Dead letters, destination switches and the audit trail, recording what they are asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.audited: list[tuple[str, str, str | None, list[str]]] = []

    def replay(self, **selection: Any) -> list[tuple[str, str]]:
        self.calls.append(("replay", selection))
        return [("d1", "gladbeck"), ("c1", "portal-callback:client-1")]

    def pause(self, destination_id: str, *, by: str) -> None:
        self.calls.append(("pause", destination_id))

    def resume(self, destination_id: str, *, for_sweeper: bool = False) -> tuple[list[tuple[str, str]], datetime]:
        self.calls.append(("resume", destination_id))
        return [("d2", destination_id), ("d3", destination_id)], DUE

    def request_circuit_reset(
        self, destination_id: str, *, by: str, for_sweeper: bool = False
    ) -> tuple[list[tuple[str, str]], datetime]:
        self.calls.append(("reset", destination_id))
        return [("d4", destination_id)], DUE

    def record(
        self,
        actor: str,
        action: str,
        *,
        target: str | None = None,
        items: Sequence[str] = (),
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.audited.append((actor, action, target, list(items)))

    def list(self, *, actor: str | None = None, action: str | None = None, limit: int = 100) -> list[Any]:
        return []


class FakeEngine:
    """The dispatcher, the controls cache and the circuit breakers of the delivery engine."""

    def __init__(self) -> None:
        self.nudged: list[tuple[list[tuple[str, str]], datetime | None]] = []
        self.invalidated = 0
        self.honoured: list[dict[str, datetime]] = []

    def nudge(self, pairs: Iterable[tuple[str, str]], at: datetime | None = None) -> None:
        self.nudged.append((list(pairs), at))

    def invalidate(self) -> None:
        self.invalidated += 1

    def snapshot(self) -> ControlSnapshot:
        return ControlSnapshot(resets={"gladbeck": DUE})

    def honour_resets(self, resets: dict[str, datetime]) -> list[str]:
        self.honoured.append(resets)
        return list(resets)


def operations() -> tuple[Operations, FakeStore, FakeEngine]:
    store, engine = FakeStore(), FakeEngine()
    return Operations(store, store, engine, engine, engine, store), store, engine


def test_a_replay_nudges_every_delivery_made_due_and_audits_only_the_destinations() -> None:
    # Given a replay that makes a delivery and its portal callback due
    ops, store, engine = operations()

    # When an operator replays by id
    replayed = ops.replay(ids=["d1"], actor="console:anna")

    # Then both are nudged, the destination's delivery is returned and audited
    assert replayed == ["d1"]
    assert engine.nudged == [([("d1", "gladbeck"), ("c1", "portal-callback:client-1")], None)]
    assert store.audited == [("console:anna", "replay", None, ["d1"])]


def test_a_resume_for_the_sweeper_nudges_nothing_but_invalidates_and_audits() -> None:
    # Given a CLI beside an embedded hub (its broker reaches no worker)
    ops, store, engine = operations()

    # When it resumes a destination
    waiting = ops.resume("gladbeck", actor="cli:root", for_sweeper=True)

    # Then the backlog is counted, this process's controls are read afresh, and no nudge is sent
    assert waiting == 2
    assert engine.invalidated == 1
    assert engine.nudged == []
    assert store.audited == [("cli:root", "resume", "gladbeck", [])]


def test_a_circuit_reset_closes_this_process_breakers_and_nudges_the_waiting_at_once() -> None:
    # Given a destination whose circuit is open
    ops, store, engine = operations()

    # When an operator resets it
    waiting = ops.reset_circuit("gladbeck", actor="api:ops")

    # Then the reset requests are honoured here and the waiting delivery is nudged for when it is due
    assert waiting == 1
    assert engine.honoured == [{"gladbeck": DUE}]
    assert engine.nudged == [([("d4", "gladbeck")], DUE)]
    assert store.calls == [("reset", "gladbeck")]
