"""``hub audit list``: who did what, from the audit log of operator actions and personal-data reads."""

from __future__ import annotations

import json

import click
from rich.table import Table

from hub.cli.context import console, open_hub


@click.group()
def audit() -> None:
    """The audit log of operator actions."""


@audit.command("list")
@click.option("--actor", help="Only this actor, e.g. console:anna or cli:root.")
@click.option("--action", help="Only this action: replay, pause, resume, reset_circuit, login, read-personal-data, ...")
@click.option(
    "--target",
    "--submission",
    "target",
    help="Only entries on this target: a submission id (read-personal-data), a destination (pause), ...",
)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def audit_list(actor: str | None, action: str | None, target: str | None, limit: int, as_json: bool) -> None:
    """Newest first: when, who, what, on which target and items (for a read: the parts it showed)."""
    hub = open_hub()
    entries = hub.services.queries.audit_entries(actor=actor, action=action, target=target, limit=limit)
    hub.close()
    if as_json:
        for e in entries:
            click.echo(json.dumps({**e.__dict__, "at": e.at.isoformat()}, ensure_ascii=False))
        return
    table = Table("at", "actor", "action", "target", "items")
    for e in entries:
        table.add_row(e.at.isoformat(timespec="seconds"), e.actor, e.action, e.target or "", ", ".join(e.items))
    console.print(table)
