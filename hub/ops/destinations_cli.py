"""``hub destinations``: the backlog of every destination, and pause, resume and circuit reset.

The same use cases as the console's buttons (:mod:`hub.service.operations`), written to the audit
log as ``cli:<OS user>``. The circuit shown is what the workers last stored when a breaker opened
or closed (a half-open breaker still shows ``open`` until its probe succeeds).
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

import click
from rich.table import Table

from hub.store.types import utcnow

STATES = ("pending", "retrying", "in_flight", "delivered", "dead")


def cli_actor() -> str:
    """The audit log's actor for a terminal command: the OS user who ran it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown"
    return f"cli:{user}"


def age(since: datetime | None) -> str:
    if since is None:
        return "–"
    seconds = int((utcnow() - since).total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"


def _known(hub: Any, name: str) -> None:
    if name not in hub.region.destinations:
        hub.close()
        raise click.ClickException(f"no destination {name!r} in the region config")


@click.group("destinations", invoke_without_command=True)
@click.pass_context
def destinations(ctx: click.Context) -> None:
    """Backlog per destination: deliveries by state, oldest waiting, circuit, paused."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.ops.cli import _hub, console
    from hub.store.backlog import DestinationBacklog, read_backlog

    hub = _hub()
    backlogs = read_backlog(hub.db)
    controls = hub.destination_states.all()
    names = sorted(set(hub.region.destinations) | set(backlogs))
    hub.close()
    table = Table("destination", *STATES, "oldest waiting", "circuit", "paused")
    for name in names:
        b = backlogs.get(name, DestinationBacklog())
        control = controls.get(name)
        paused = f"yes ({control.paused_by})" if control and control.paused else "no"
        circuit = control.circuit_state if control else "closed"
        table.add_row(name, *(str(b.counts.get(s, 0)) for s in STATES), age(b.oldest_waiting), circuit, paused)
    console.print(table)


@destinations.command("pause")
@click.argument("name")
def pause(name: str) -> None:
    """Hold NAME's deliveries in every worker until it is resumed."""
    from hub.ops.cli import _hub, console
    from hub.service import operations

    hub = _hub()
    _known(hub, name)
    operations.pause(hub, name, actor=cli_actor())
    hub.close()
    console.print(f"paused {name}")


@destinations.command("resume")
@click.argument("name")
def resume(name: str) -> None:
    """Let NAME's deliveries go again; its waiting deliveries become due at once."""
    from hub.ops.cli import _hub, console
    from hub.service import operations

    hub = _hub()
    _known(hub, name)
    waiting = operations.resume(hub, name, actor=cli_actor(), for_sweeper=hub.embedded_broker)
    hub.close()
    console.print(f"resumed {name} ({waiting} waiting)")


@destinations.command("reset-circuit")
@click.argument("name")
def reset_circuit(name: str) -> None:
    """Close NAME's circuit breaker in every worker; its waiting deliveries become due."""
    from hub.ops.cli import _hub, console
    from hub.service import operations

    hub = _hub()
    _known(hub, name)
    waiting = operations.reset_circuit(hub, name, actor=cli_actor(), for_sweeper=hub.embedded_broker)
    hub.close()
    console.print(f"circuit of {name} reset ({waiting} waiting)")
