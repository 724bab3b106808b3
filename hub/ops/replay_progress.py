"""``hub replay`` in chunks with a progress bar: a destination's thousand dead letters visibly move.

The selection (ids, or a destination's dead letters in a time range) is resolved first, then
replayed ``CHUNK`` at a time through :func:`hub.service.operations.replay`, so each chunk is one
short transaction and one audit entry naming its items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.bootstrap import HubContext
from hub.ops.destinations_cli import cli_actor
from hub.service.operations import replay
from hub.store.operator_views import OperatorViews

CHUNK = 100
ALL = 1_000_000


def replay_with_progress(
    hub: HubContext,
    console: Console,
    *,
    ids: Sequence[str],
    destination: str | None,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
) -> list[str]:
    """Replay the dead deliveries selected; returns the ids replayed."""
    actor = actor or cli_actor()
    if not ids:
        letters = OperatorViews(hub.db).dead_letters(
            municipalities=None, destination=destination, since=since, until=until, limit=ALL
        )
        ids = [d.id for d in reversed(letters)]  # oldest first
    replayed: list[str] = []
    columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False, disable=len(ids) <= CHUNK) as progress:
        task = progress.add_task("replay", total=len(ids))
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            replayed += replay(
                hub,
                ids=chunk,
                destination=destination,
                since=since,
                until=until,
                actor=actor,
                for_sweeper=hub.embedded_broker,
            )
            progress.advance(task, len(chunk))
    return replayed
