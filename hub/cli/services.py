"""``hub services``: scaffold a catalogued service as data (``new``) and check every service (``check``).

The walkthrough from a new service to its first delivered submission is docs/services.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cli.context import settings
from hub.service.onboarding import TARGET_KINDS


def _config_dir(directory: Path | None) -> Path:
    return directory if directory is not None else settings().config_dir


def _mappings_dir(directory: Path | None) -> Path:
    return directory if directory is not None else settings().mappings_dir


_CONFIG = click.option(
    "--config", "config", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="The region's config folder (default: HUB_CONFIG_DIR).",
)  # fmt: skip
_MAPPINGS = click.option(
    "--mappings", "mappings", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="The folder of mapping specs (default: HUB_MAPPINGS_DIR).",
)  # fmt: skip


@click.group("services")
def services() -> None:
    """The region's services: scaffold one from the catalogue, check them all (docs/services.md)."""


@services.command("new")
@click.argument("slug")
@click.option("--leika", required=True, help="The service's LeiKa key (14 digits), as in the catalogue.")
@click.option(
    "--to", "kinds", required=True, multiple=True, type=click.Choice(list(TARGET_KINDS)),
    help="Where it goes, repeatable (fan-out): dms = the body's DMS as xdomea 3.1.0 ({slug}-dms); "
    "fachverfahren = the body's Fachverfahren as JSON over REST ({slug}-fachverfahren).",
)  # fmt: skip
@_CONFIG
@_MAPPINGS
def services_new(slug: str, leika: str, kinds: tuple[str, ...], config: Path | None, mappings: Path | None) -> None:
    """Write the service SLUG for the catalogued LeiKa key: form, sample, mapping spec(s), region entry and routes.

    The name, key and source come from the catalogue entry; a route is written for every municipality
    whose offer rule (catalogue.offered) includes the key. region.yaml keeps its comments: the entries
    are appended to its services and routes lists. Refused (exit 2) for an existing slug, a key not in
    the catalogue or a target the region has no destinations for. Then edit the files and run
    `hub services check`.
    """
    from hub.service.onboarding import ScaffoldRefused, new_service

    try:
        done = new_service(_config_dir(config), _mappings_dir(mappings), slug, leika, list(kinds))
    except ScaffoldRefused as exc:
        click.echo(f"hub services new: {exc}", err=True)
        sys.exit(2)
    click.echo(
        f"{done.service}: {done.entry.name} ({done.entry.leika}), routed for {len(done.municipalities)} municipalities"
    )
    for path in done.files:
        click.echo(f"  wrote {path}")
    click.echo("next: edit the form, the sample and the spec(s), then run `hub services check`")


@services.command("check")
@_CONFIG
@_MAPPINGS
def services_check(config: Path | None, mappings: Path | None) -> None:
    """Check every service: form schema, sample, mapping specs, routes, LeiKa key; each problem as file:line.

    The sample is mapped for one destination of each kind the service is routed to, by that destination's
    connector, and the result validated as at intake (XSD, data schema). Exit 1 on any problem.
    Schema sets come from HUB_SCHEMA_PATH.
    """
    from hub.connectors.base import ConnectorContext
    from hub.connectors.pool import ConnectorPool
    from hub.connectors.registry import ConnectorRegistry
    from hub.logging import configure
    from hub.mapping.catalog import MappingCatalog
    from hub.schemas import SchemaCatalog
    from hub.service.service_check import check_services

    current = settings()
    configure("CRITICAL", "console")  # the dry-run intake's log lines are not the report: the problems are
    schemas = SchemaCatalog.from_path(current.schema_path)
    pools: list[ConnectorPool] = []

    def builders(catalog: MappingCatalog) -> ConnectorPool:
        pools.append(ConnectorPool(ConnectorRegistry(), ConnectorContext(mappings=catalog, schemas=schemas)))
        return pools[-1]

    try:
        report = check_services(_config_dir(config), _mappings_dir(mappings), schemas, builders)
    finally:
        for pool in pools:
            pool.close()
    for problem in report.problems:
        click.echo(str(problem))
    for note in report.notes:
        click.echo(note, err=True)
    summary = f"{report.services} service(s) checked, {report.deliveries_built} destination message(s) built"
    if report.problems:
        click.echo(f"{summary}, {len(report.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"{summary}, no problems")
