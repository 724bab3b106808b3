"""``hub replay``: dead deliveries sent again, in chunks under a progress bar.

The selection (ids, or a destination's dead letters in a time range) is resolved first, then
replayed ``CHUNK`` at a time through :meth:`hub.service.operations.Operations.replay`, so each
chunk is one short transaction and one audit entry naming its items; a destination's thousand
dead letters visibly move.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.cli.context import cli_actor, console, moment, open_hub

if TYPE_CHECKING:
    from hub.bootstrap import HubContext

CHUNK = 100
ALL = 1_000_000


@click.command()
@click.argument("delivery_ids", nargs=-1)
@click.option("--destination", help="Replay all dead deliveries of this destination.")
@click.option("--since", help="Only deliveries that died at or after this ISO time.")
@click.option("--until", help="Only deliveries that died before this ISO time.")
@click.option("--actor", default=None, help="Audit log actor [default: cli:<OS user>].")
def replay(
    delivery_ids: tuple[str, ...],
    destination: str | None,
    since: str | None,
    until: str | None,
    actor: str | None,
) -> None:
    """Replay dead deliveries: one or a selection by id, or all of a destination (and time range).

    Many are replayed in chunks under a progress bar. With an external broker the replayed
    deliveries are picked up by the running workers.
    """
    if not delivery_ids and not destination:
        raise click.UsageError("give delivery ids or --destination")
    hub = open_hub()
    replayed = replay_with_progress(
        hub, console, ids=list(delivery_ids), destination=destination, since=moment(since), until=moment(until),
        actor=actor,
    )  # fmt: skip
    if hub.embedded_broker and replayed:
        console.print("[yellow]in-process broker: the running 'hub serve' picks these up with its sweeper[/]")
    hub.close()
    console.print(f"replayed {len(replayed)} deliveries")
    for d in replayed:
        console.print(f"  {d}")


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
        letters = hub.services.queries.dead_letters(
            municipalities=None, destination=destination, since=since, until=until, limit=ALL
        )
        ids = [d.id for d in reversed(letters)]  # oldest first
    replayed: list[str] = []
    columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False, disable=len(ids) <= CHUNK) as progress:
        task = progress.add_task("replay", total=len(ids))
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            replayed += hub.services.operations.replay(
                ids=chunk,
                destination=destination,
                since=since,
                until=until,
                actor=actor,
                for_sweeper=hub.embedded_broker,
            )
            progress.advance(task, len(chunk))
    return replayed
