"""``hub sources list``: the inbound sources of the region (``inbound:`` in region.yaml) and their plugins.

Each configured source is built once, as the poller would build it, so a setting that keeps it
from working (a missing WSDL, a bad account) shows here with its reason; the command then exits 1.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from hub.cli.context import console, settings


@click.group("sources")
def sources() -> None:
    """Inbound sources: the message boxes the hub reads (entry-point group hub.inbound_sources)."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def sources_list(as_json: bool) -> None:
    """List the configured inbound sources and the installed source plugins."""
    rows = _rows()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        table = Table("id", "plugin", "municipality", "accepts", "destinations", "reads")
        for row in rows:
            reads = row["reads"] if not row["error"] else f"[red]{row['error']}[/]"
            table.add_row(
                row["id"], row["plugin"], row["municipality"], ", ".join(row["accepts"]),
                ", ".join(row["destinations"]), reads,
            )  # fmt: skip
        console.print(table)
        from hub.connectors.inbound import SourceRegistry

        registry = SourceRegistry()
        plugins = ", ".join(f"{name} ({registry.describe(name)})" for name in registry.names()) or "none"
        click.echo(f"installed source plugins: {plugins}")
    broken = [row["id"] for row in rows if row["error"]]
    if broken:
        raise click.ClickException(f"{len(broken)} source(s) cannot be used: {', '.join(broken)}")


def _rows() -> list[dict[str, Any]]:
    from hub.connectors.base import ConnectorContext
    from hub.connectors.inbound import SourceRegistry
    from hub.mapping.catalog import MappingCatalog
    from hub.routing.region import load_region
    from hub.schemas import SchemaCatalog

    current = settings()
    region = load_region(current.config_dir)
    context = ConnectorContext(
        mappings=MappingCatalog.load(current.mappings_dir), schemas=SchemaCatalog.from_path(current.schema_path)
    )
    registry = SourceRegistry()
    rows = []
    for config in region.inbound.values():
        reads, error = "", None
        try:
            source = registry.build(config, context)
            reads = source.describe()
            source.close()
        except Exception as exc:
            error = str(exc)
        rows.append(
            {
                "id": config.id,
                "name": config.name,
                "plugin": config.kind,
                "municipality": config.municipality,
                "accepts": list(config.accepts),
                "destinations": list(config.destinations),
                "maxMessageBytes": config.max_message_bytes,
                "reads": reads,
                "error": error,
            }
        )
    return rows
