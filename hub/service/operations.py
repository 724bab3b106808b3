"""Operator use cases shared by the console, the operator API and the CLI.

Replay dead letters, pause and resume a destination, reset its circuit. Each one writes an entry
to the audit log naming the actor and the items it touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog

from hub.bootstrap import HubContext

log = structlog.get_logger(__name__)


def replay(
    hub: HubContext,
    *,
    ids: Sequence[str] | None = None,
    destination: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    municipalities: Sequence[str] | None = None,
    actor: str,
    for_sweeper: bool = False,
) -> list[str]:
    """Replay dead deliveries (by id, or in bulk by destination and time range); returns their ids.

    ``for_sweeper``: this process's broker reaches no worker (the CLI beside an embedded hub), so
    leave the deliveries to the running hub's sweeper, which takes them at its next pass.
    """
    pairs = hub.deliveries.replay(
        ids=ids,
        destination=destination,
        since=since,
        until=until,
        municipalities=municipalities,
        actor=actor,
        for_sweeper=for_sweeper,
    )
    hub.dispatcher.nudge(pairs)
    replayed = [d for d, dest in pairs if not dest.startswith("portal-callback:")]
    log.info("replayed", count=len(replayed), destination=destination, actor=actor)
    hub.audit.record(
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


def pause(hub: HubContext, destination: str, *, actor: str) -> None:
    """Hold the destination's deliveries (in every worker process) until it is resumed."""
    hub.destination_states.pause(destination, by=actor)
    hub.controls.invalidate()
    log.info("destination_paused", destination=destination, actor=actor)
    hub.audit.record(actor, "pause", target=destination)


def resume(hub: HubContext, destination: str, *, actor: str, for_sweeper: bool = False) -> int:
    """Let the destination's deliveries go again; its backlog is made due now. Returns its size."""
    pairs, due = hub.destination_states.resume(destination, for_sweeper=for_sweeper)
    hub.controls.invalidate()
    if not for_sweeper:
        hub.dispatcher.nudge(pairs, at=due)
    log.info("destination_resumed", destination=destination, actor=actor, backlog=len(pairs))
    hub.audit.record(actor, "resume", target=destination, detail={"backlog": len(pairs)})
    return len(pairs)


def reset_circuit(hub: HubContext, destination: str, *, actor: str, for_sweeper: bool = False) -> int:
    """Close the destination's circuit breaker in every worker process (at its next batch) and make
    its waiting deliveries due; returns how many are waiting."""
    pairs, due = hub.destination_states.request_circuit_reset(destination, by=actor, for_sweeper=for_sweeper)
    hub.controls.invalidate()
    hub.limits.honour_resets(hub.controls.snapshot().resets)
    if not for_sweeper:
        hub.dispatcher.nudge(pairs, at=due)
    log.info("circuit_reset", destination=destination, actor=actor, backlog=len(pairs))
    hub.audit.record(actor, "reset_circuit", target=destination, detail={"backlog": len(pairs)})
    return len(pairs)
