"""The ``hub`` command: run the hub, its workers and the demo; inspect and repair deliveries.

This module holds the click group and its global options and registers the commands of the
other modules of :mod:`hub.cli`; none of them imports it back.
"""

from __future__ import annotations

import click

from hub.cli import (
    audit,
    catalogue,
    clients,
    connectors,
    database,
    demo,
    destinations,
    inbound,
    keys,
    lookup,
    mappings,
    operators,
    replay,
    replies,
    retention,
    schemas,
    serve,
    services,
    sim,
    sources,
    submissions,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="emscher-lippe-hub")
def main() -> None:
    """Emscher-Lippe integration hub: accepts portal submissions and delivers them to every destination.

    Configuration comes from HUB_* environment variables (see README): HUB_DATABASE_URL,
    HUB_BROKER_URL, HUB_CONFIG_DIR, HUB_MAPPINGS_DIR, ...
    """


for command in (
    serve.serve,
    serve.worker,
    demo.demo,
    database.db,
    clients.clients,
    submissions.submission,
    submissions.deliveries,
    replay.replay,
    retention.purge,
    retention.erase,
    keys.keys,
    sim.sim,
    schemas.schemas,
    mappings.mappings,
    connectors.connectors,
    operators.operators,
    audit.audit,
    catalogue.catalogue,
    services.services,
    destinations.destinations,
    lookup.deadletters,
    lookup.search,
    inbound.inbound,
    sources.sources,
    replies.replies,
):
    main.add_command(command)
