"""``hub destinations``: the backlog of every destination, and pause, resume and circuit reset.

The same use cases as the console's buttons (:mod:`hub.service.operations`), written to the audit
log as ``cli:<OS user>``. The circuit shown is what the workers last stored when a breaker opened
or closed (a half-open breaker still shows ``open`` until its probe succeeds).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click
from rich.table import Table

from hub.cli.context import cli_actor, console, open_hub
from hub.domain.clock import utcnow

if TYPE_CHECKING:
    from hub.bootstrap import HubContext

STATES = ("pending", "retrying", "in_flight", "delivered", "dead")


def age(since: datetime | None) -> str:
    if since is None:
        return "–"
    seconds = int((utcnow() - since).total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"


def _hub_for(name: str) -> HubContext:
    """The hub, once NAME is a destination of the region config; the caller closes it."""
    hub = open_hub()
    if name not in hub.region.destinations:
        hub.close()
        raise click.ClickException(f"no destination {name!r} in the region config")
    return hub


@click.group("destinations", invoke_without_command=True)
@click.pass_context
def destinations(ctx: click.Context) -> None:
    """Backlog per destination: deliveries by state, oldest waiting, circuit, paused."""
    if ctx.invoked_subcommand is not None:
        return
    hub = open_hub()
    statuses = hub.services.queries.destinations()
    hub.close()
    table = Table("destination", *STATES, "oldest waiting", "circuit", "paused")
    for name, status in statuses.items():
        b = status.backlog
        paused = f"yes ({status.control.paused_by})" if status.control and status.paused else "no"
        table.add_row(name, *(str(b.counts.get(s, 0)) for s in STATES), age(b.oldest_waiting), status.circuit, paused)
    console.print(table)


@destinations.command("pause")
@click.argument("name")
def pause(name: str) -> None:
    """Hold NAME's deliveries in every worker until it is resumed."""
    hub = _hub_for(name)
    hub.services.operations.pause(name, actor=cli_actor())
    hub.close()
    console.print(f"paused {name}")


@destinations.command("resume")
@click.argument("name")
def resume(name: str) -> None:
    """Let NAME's deliveries go again; its waiting deliveries become due at once."""
    hub = _hub_for(name)
    waiting = hub.services.operations.resume(name, actor=cli_actor(), for_sweeper=hub.embedded_broker)
    hub.close()
    console.print(f"resumed {name} ({waiting} waiting)")


@destinations.command("reset-circuit")
@click.argument("name")
def reset_circuit(name: str) -> None:
    """Close NAME's circuit breaker in every worker; its waiting deliveries become due."""
    hub = _hub_for(name)
    waiting = hub.services.operations.reset_circuit(name, actor=cli_actor(), for_sweeper=hub.embedded_broker)
    hub.close()
    console.print(f"circuit of {name} reset ({waiting} waiting)")
