"""Operator use cases shared by the operator API and the CLI: replay dead letters."""

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
    return replayed
