"""``hub submission show`` and ``hub deliveries list``: a submission's trace and the deliveries, in a terminal."""

from __future__ import annotations

import json

import click
from rich.table import Table

from hub.cli.context import cli_actor, console, open_hub
from hub.service.personal_data import Reader


@click.group()
def submission() -> None:
    """Inspect submissions."""


@submission.command("show")
@click.argument("submission_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def submission_show(submission_id: str, as_json: bool) -> None:
    """A submission's status, deliveries and event log (the read is audited as read-personal-data)."""
    hub = open_hub()
    try:
        read = hub.services.personal_data.read(Reader.terminal(cli_actor()), submission_id, events=True)
    finally:
        hub.close()
    if read is None:
        raise click.ClickException(f"no submission {submission_id}")
    view, events = read.submission, read.events
    if as_json:
        out = {
            "id": view.id, "service": view.service, "municipality": view.municipality, "status": view.status,
            "deliveries": [d.__dict__ for d in view.deliveries], "events": [e.__dict__ for e in events],
        }  # fmt: skip
        click.echo(json.dumps(out, default=str, indent=2))
        return
    console.print(f"[bold]{view.id}[/] {view.service} for {view.municipality}: [bold]{view.status}[/]")
    table = Table("destination", "state", "attempts", "last error", "receipt")
    for d in view.deliveries:
        table.add_row(
            d.destination_id,
            d.state,
            str(d.attempts),
            d.last_error or "",
            json.dumps(d.receipt or {}),
        )
    console.print(table)
    log = Table("#", "at", "kind", "detail")
    for e in events:
        log.add_row(
            str(e.id),
            e.at.isoformat(timespec="milliseconds"),
            e.kind,
            json.dumps(e.detail, ensure_ascii=False)[:120],
        )
    console.print(log)


@click.group()
def deliveries() -> None:
    """Inspect deliveries and dead letters."""


@deliveries.command("list")
@click.option("--state", type=click.Choice(["pending", "in_flight", "retrying", "delivered", "dead"]))
@click.option("--destination")
@click.option("--municipality")
@click.option("--limit", default=50, show_default=True)
def deliveries_list(state: str | None, destination: str | None, municipality: str | None, limit: int) -> None:
    """List deliveries, newest first (e.g. --state dead for dead letters)."""
    hub = open_hub()
    rows = hub.services.queries.deliveries(state=state, destination=destination, municipality=municipality, limit=limit)
    hub.close()
    table = Table("delivery", "submission", "destination", "state", "attempts", "last error")
    for r in rows:
        table.add_row(
            r.id,
            r.submission_id,
            r.destination_id,
            r.state,
            str(r.attempts),
            (r.last_error or "")[:60],
        )
    console.print(table)
    console.print(f"{len(rows)} shown")
