"""Operator use cases shared by the console, the operator API and the CLI.

Replay dead letters, pause and resume a destination, reset its circuit. Each one writes an entry
to the audit log naming the actor and the items it touched.

``for_sweeper``: this process's broker reaches no worker (the CLI beside an embedded hub), so the
deliveries made due are left to the running hub's sweeper, which takes them at its next pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog

from hub.domain.status_callbacks import is_callback_destination
from hub.service.ports import (
    AuditTrail,
    CircuitBreakers,
    ControlCache,
    DeadLetterReplay,
    DestinationSwitches,
    Nudger,
)

log = structlog.get_logger(__name__)


class Operations:
    def __init__(
        self,
        dead_letters: DeadLetterReplay,
        switches: DestinationSwitches,
        controls: ControlCache,
        breakers: CircuitBreakers,
        nudger: Nudger,
        audit: AuditTrail,
    ) -> None:
        self.dead_letters = dead_letters
        self.switches = switches
        self.controls = controls
        self.breakers = breakers
        self.nudger = nudger
        self.audit = audit

    def replay(
        self,
        *,
        ids: Sequence[str] | None = None,
        destination: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        municipalities: Sequence[str] | None = None,
        actor: str,
        for_sweeper: bool = False,
    ) -> list[str]:
        """Replay dead deliveries (by id, or in bulk by destination and time range); returns their ids."""
        pairs = self.dead_letters.replay(
            ids=ids,
            destination=destination,
            since=since,
            until=until,
            municipalities=municipalities,
            actor=actor,
            for_sweeper=for_sweeper,
        )
        self.nudger.nudge(pairs)
        replayed = [d for d, dest in pairs if not is_callback_destination(dest)]
        log.info("replayed", count=len(replayed), destination=destination, actor=actor)
        self.audit.record(
            actor,
            "replay",
            target=destination,
            items=replayed,
            detail={
                "requested": list(ids) if ids is not None else None,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
            },
        )
        return replayed

    def pause(self, destination: str, *, actor: str) -> None:
        """Hold the destination's deliveries (in every worker process) until it is resumed."""
        self.switches.pause(destination, by=actor)
        self.controls.invalidate()
        log.info("destination_paused", destination=destination, actor=actor)
        self.audit.record(actor, "pause", target=destination)

    def resume(self, destination: str, *, actor: str, for_sweeper: bool = False) -> int:
        """Let the destination's deliveries go again; its backlog is made due now. Returns its size."""
        pairs, due = self.switches.resume(destination, for_sweeper=for_sweeper)
        self.controls.invalidate()
        if not for_sweeper:
            self.nudger.nudge(pairs, at=due)
        log.info("destination_resumed", destination=destination, actor=actor, backlog=len(pairs))
        self.audit.record(actor, "resume", target=destination, detail={"backlog": len(pairs)})
        return len(pairs)

    def reset_circuit(self, destination: str, *, actor: str, for_sweeper: bool = False) -> int:
        """Close the destination's circuit breaker in every worker process (at its next batch) and make
        its waiting deliveries due; returns how many are waiting."""
        pairs, due = self.switches.request_circuit_reset(destination, by=actor, for_sweeper=for_sweeper)
        self.controls.invalidate()
        self.breakers.honour_resets(self.controls.snapshot().resets)
        if not for_sweeper:
            self.nudger.nudge(pairs, at=due)
        log.info("circuit_reset", destination=destination, actor=actor, backlog=len(pairs))
        self.audit.record(actor, "reset_circuit", target=destination, detail={"backlog": len(pairs)})
        return len(pairs)
