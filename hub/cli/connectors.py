"""``hub connectors list``: the connector plugins of this environment, found through their entry points.

Shows what an IT provider needs to check after ``pip install ./their-connector``: the entry-point name
a destination's ``connector:`` refers to, the class it loads, the distribution that installed it, what
the class declares (``requests_per_send``, ``sends_attachments``) and the first paragraph of its
docstring. A plugin that cannot be loaded is listed with the reason, and the command exits 1.
"""

from __future__ import annotations

import json

import click
from rich.table import Table

from hub.cli.context import console
from hub.connectors.listing import ConnectorInfo, installed_connectors


@click.group("connectors")
def connectors() -> None:
    """Connector plugins (entry-point group hub.connectors)."""


@connectors.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def connectors_list(as_json: bool) -> None:
    """List the installed connectors; exit 1 if any entry point is broken."""
    found = installed_connectors()
    if as_json:
        click.echo(json.dumps([info.as_dict() for info in found], indent=2, ensure_ascii=False))
    else:
        console.print(_table(found))
    broken = [info for info in found if info.error]
    if broken:
        raise click.ClickException(f"{len(broken)} connector entry point(s) are broken: {_names(broken)}")


def _table(found: list[ConnectorInfo]) -> Table:
    table = Table("name", "class", "distribution", "requests/send", "attachments", "summary")
    for info in found:
        dist = f"{info.distribution} {info.version}" if info.distribution else "?"
        if info.connector is None or info.error:
            table.add_row(info.name, info.target, dist, "", "", f"[red]{info.error}[/]")
            continue
        table.add_row(
            info.name,
            info.target,
            dist,
            str(info.connector.requests_per_send),
            "yes" if info.connector.sends_attachments else "no",
            info.summary,
        )
    return table


def _names(infos: list[ConnectorInfo]) -> str:
    return ", ".join(info.name for info in infos)
