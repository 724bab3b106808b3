"""``hub schemas``: list, check and install the XÖV / FIT-Connect schema sets of ``HUB_SCHEMA_PATH``.

The directories come from the environment (not from ``Settings``) so the command also works on a
machine where the rest of the hub is not configured, e.g. in CI before the first deployment.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.table import Table

from hub.cli.context import console
from hub.errors import HubError
from hub.schemas import ENV_VAR, SchemaCatalog, install


def _catalog() -> SchemaCatalog:
    return SchemaCatalog.from_env()


@click.group("schemas")
def schemas() -> None:
    """Schema sets (XSD, Schematron, JSON Schema) found in HUB_SCHEMA_PATH."""


@schemas.command("list")
def schemas_list() -> None:
    """List the installed schema sets."""
    catalog = _catalog()
    table = Table("id", "standard", "version", "namespace", "entries", "folder")
    for s in catalog.sets():
        entries = ", ".join(s.entries or s.json_schemas)
        table.add_row(s.id, s.standard, s.version, s.namespace or "", entries, str(s.folder))
    console.print(table)
    console.print(f"{len(catalog.sets())} schema sets in {os.pathsep.join(map(str, catalog.directories)) or '(none)'}")
    for shadowed in catalog.shadowed:
        console.print(f"[yellow]shadowed[/] {shadowed.id} in {shadowed.folder} (an earlier directory provides it)")


@schemas.command("check")
def schemas_check() -> None:
    """Compile every schema set; exit 1 if any fails or HUB_SCHEMA_PATH is empty."""
    catalog = _catalog()
    if not catalog.directories:
        raise click.ClickException(
            f"{ENV_VAR} is not set or empty: set it to the directories holding the schema sets "
            f"(separated by '{os.pathsep}'), e.g. {ENV_VAR}=/srv/hub/schemas"
        )
    for missing in catalog.missing_directories():
        console.print(f"[yellow]warning[/] {ENV_VAR} directory {missing} does not exist")
    results = catalog.check()
    if not results:
        raise click.ClickException(
            f"no schema set found in {ENV_VAR} ({os.pathsep.join(map(str, catalog.directories))})"
        )
    failed = 0
    for result in results:
        if result.ok:
            console.print(f"[green]ok[/]     {result.set_id}  ({result.seconds * 1000:.0f} ms)")
            for note in result.notes:
                console.print(f"         {note}", highlight=False)
        else:
            failed += 1
            console.print(f"[red]failed[/] {result.set_id}: {result.error}", highlight=False)
    if failed:
        raise click.ClickException(f"{failed} of {len(results)} schema sets failed")
    console.print(f"all {len(results)} schema sets compile")


@schemas.command("install")
@click.argument("source")
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Directory to install into (default: the first writable {ENV_VAR} directory).",
)
@click.option("--name", help="Folder name of the installed set (default: from the archive or folder).")
def schemas_install(source: str, into: Path | None, name: str | None) -> None:
    """Install a schema set from a folder, a zip file or the URL of a zip (e.g. from XRepository)."""
    catalog = _catalog()
    try:
        folder = install(source, catalog.directories, into=into, name=name)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    found = [s for s in SchemaCatalog([folder.parent]).sets() if s.folder.is_relative_to(folder)]
    console.print(f"installed into {folder}")
    for s in found:
        console.print(f"  {s.id} ({s.standard} {s.version})")
    if not found:
        console.print(
            "[yellow]no schema set recognised in it[/]: "
            "add a hub-schema-set.yaml manifest (id, standard, version, entries)"
        )
    elif into is not None and folder.parent not in catalog.directories:
        console.print(f"[yellow]note[/] {folder.parent} is not in {ENV_VAR}; the hub will not see it there")
