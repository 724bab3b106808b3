"""``hub catalogue``: import the service catalogue from the NRW OZG database, look entries up."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.context import console, settings

DEFAULT_FILE = "catalogue/ozg-nrw.services.json"


@click.group()
def catalogue() -> None:
    """The service catalogue (every Leistung by LeiKa key) the generic path routes by."""


def _catalogue_file(output: Path | None) -> Path:
    if output is not None:
        return output
    from hub.routing.region import catalogue_file

    return catalogue_file(settings().config_dir) or settings().config_dir / DEFAULT_FILE


@catalogue.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the catalogue (default: the file region.yaml's catalogue.file names).",
)
def catalogue_import(path: Path, output: Path | None) -> None:
    """Read PATH, a mysqldump of KDN NRW's OZG database (symfony.data.sql), and write the catalogue.

    Each Leistung with a 14-digit LeiKa key becomes an entry (key, name, LeiKa type, kind, legal
    basis, its row id in the source), sorted by key, with the source named in the file.
    """
    from hub.catalogue.entry import ServiceKind, write_catalogue
    from hub.catalogue.ozg_nrw import catalogue_from_dump

    text = path.read_text(encoding="utf-8")
    columns = (TextColumn(f"reading {path.name}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        # Progress by the dump's characters read: right however mysqldump split its statements.
        task = progress.add_task("dump", total=len(text))
        result, report = catalogue_from_dump(text, progress=lambda at: progress.update(task, completed=at))
    if not result.entries:
        raise click.ClickException(f"{path}: no ozg_service rows with a LeiKa key found")
    target = _catalogue_file(output)
    write_catalogue(result, target)
    municipal = len(result.of_kind(ServiceKind.MUNICIPAL))
    console.print(
        f"{report.imported} services ({municipal} municipal) written to {target}; left out: "
        f"{report.without_key} without a LeiKa key, {report.hidden} hidden, {len(report.duplicates)} duplicate keys"
    )


@catalogue.command("show")
@click.argument("keys", nargs=-1, required=True)
def catalogue_show(keys: tuple[str, ...]) -> None:
    """The catalogue's entries for the given LeiKa KEYS, and which municipalities offer each."""
    from hub.routing.region import load_region

    region = load_region(settings().config_dir)
    generic = region.generic
    if generic is None:
        raise click.ClickException("this region has no catalogue (region.yaml: catalogue.file)")
    table = Table("LeiKa key", "name", "type", "kind", "offered by", "legal basis")
    missing = []
    for key in keys:
        entry = generic.catalogue.get(key)
        if entry is None:
            missing.append(key)
            continue
        own = " and ".join(repr(s) for s in generic.overridden.get(entry.leika, ()))
        names = [region.municipalities[ags].name for ags in generic.offered_by(entry)]
        offered = [f"its own service {own} (not the generic path)"] if own else names
        table.add_row(
            entry.leika,
            entry.name,
            entry.leika_type,
            entry.kind.value,
            ", ".join(offered) or "-",
            entry.legal_basis or "",
        )
    console.print(table)
    if missing:
        raise click.ClickException(f"not in the catalogue: {', '.join(missing)}")
