"""``hub mappings check``: load every mapping spec of a folder and report each problem as ``file:line: message``.

JSON-target specs (standard ending in ``-json``) are loaded structurally; XML-target specs are also
resolved against their schema set from ``HUB_SCHEMA_PATH``, so a broken spec fails CI, not a delivery.
A ``withoutSchema: spec-order`` spec whose set is not installed is checked structurally only; a note
on stderr says so (it is not a problem: the exit code stays 0).
"""

from __future__ import annotations

import os
from pathlib import Path

import click
import yaml

from hub.errors import ConfigError
from hub.mapping.spec import load_spec
from hub.mapping.xml import check_spec, is_xml_standard, load_xml_spec, missing_schema
from hub.schemas import SchemaCatalog


def _standard(path: Path) -> str:
    """The spec's ``standard`` (read before choosing a loader); empty when unreadable (the loader reports it)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError):
        return ""
    return str(raw.get("standard", "")) if isinstance(raw, dict) else ""


def check_folder(directory: Path, catalog: SchemaCatalog, notes: list[str] | None = None) -> tuple[int, list[str]]:
    """(number of specs, problem lines) for every ``*.yaml`` spec in ``directory``.

    ``notes`` receives a ``file: note`` line for each spec built without its schema set.
    """
    problems: list[str] = []
    paths = sorted(directory.glob("*.yaml"))
    for path in paths:
        try:
            standard = _standard(path)
            if standard and is_xml_standard(standard):
                spec = load_xml_spec(path)
                problems += [str(p) for p in check_spec(spec, catalog)]
                reason = missing_schema(spec, catalog)
                if reason is not None and notes is not None:
                    notes.append(f"{path}: note: {reason}")
            else:
                load_spec(path)
        except ConfigError as exc:
            problems.append(str(exc))
    return len(paths), problems


@click.group("mappings")
def mappings() -> None:
    """Declarative mapping specs (HUB_MAPPINGS_DIR)."""


@mappings.command("check")
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder of specs (default: HUB_MAPPINGS_DIR, else ./mappings).",
)  # fmt: skip
def mappings_check(directory: Path | None) -> None:
    """Load every spec, check XML-target specs against their schema; exit 1 on any problem."""
    folder = directory or Path(os.environ.get("HUB_MAPPINGS_DIR", "mappings"))
    if not folder.is_dir():
        raise click.ClickException(f"mapping folder {folder} does not exist")
    notes: list[str] = []
    count, problems = check_folder(folder, SchemaCatalog.from_env(), notes)
    for line in problems:
        click.echo(line)
    for line in notes:
        click.echo(line, err=True)
    click.echo(f"{count} spec(s) checked, {len(problems)} problem(s)", err=True)
    if problems:
        raise SystemExit(1)
