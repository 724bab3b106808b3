"""``hub sim``: the simulators of the target systems, each run as a real server.

``hub sim list`` and ``hub sim run`` work from the entry-point group ``hub.simulators``
(:mod:`hub.sim.registry`), so a simulator another package registers is listed and run like the
project's own; ``backoffice``, ``xta`` and ``sftp`` keep their own commands for their options.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from hub.cli.context import console, settings


@click.group()
def sim() -> None:
    """Simulators of the target systems, as real servers."""


@sim.command("list")
def sim_list() -> None:
    """Every simulator found: its name, its demo port and the connector kinds it plays."""
    from rich.table import Table

    from hub.sim.registry import discover

    table = Table("name", "demo port", "plays")
    for name, descriptor in discover().items():
        table.add_row(name, str(descriptor.demo_port), ", ".join(descriptor.plays))
    console.print(table)


@sim.command("run")
@click.argument("names", nargs=-1)
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NAME=PORT",
    help="Serve NAME on PORT instead of its demo port (0: a free one). Repeatable.",
)
def sim_run(names: tuple[str, ...], ports: tuple[str, ...]) -> None:
    """Run the named simulators (default: every one found) until interrupted.

    Prints one line per variable that points the region's destinations at them (``NAME=VALUE``,
    e.g. ``HUB_BACKOFFICE_URL=http://127.0.0.1:8101``) and then ``ready``: start the hub with those
    variables set.
    """
    from hub.routing import load_region, routed_keys
    from hub.schemas import SchemaCatalog
    from hub.sim.landscape import Landscape, demo_ports
    from hub.sim.registry import discover

    found = discover()
    unknown = sorted(set(names) - set(found))
    if unknown:
        raise click.BadParameter(f"no simulator called {', '.join(unknown)} (see `hub sim list`)", param_hint="NAMES")
    chosen = {name: found[name] for name in (names or found)}
    current = settings()
    region = load_region(current.config_dir)
    landscape = Landscape(
        SchemaCatalog.from_path(current.schema_path),
        region.municipalities.values(),
        demo_ports(_port_overrides(ports)),
        simulators=chosen,
        offers=routed_keys(region),
    ).start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        for name, reason in landscape.skipped.items():
            console.print(f"{name} not started: {reason}")
        for name, started in landscape.started.items():
            console.print(f"{name} on {started.server.url}  {started.note}")
        for variable, value in sorted(landscape.environment().items()):
            click.echo(f"{variable}={value}")
        click.echo("ready", err=False)
        stop.wait()
    finally:
        landscape.stop()


def _port_overrides(ports: tuple[str, ...]) -> dict[str, int]:
    overrides: dict[str, int] = {}
    for item in ports:
        name, _, port = item.partition("=")
        if not name or not port.isdigit():
            raise click.BadParameter(f"{item!r} is not NAME=PORT", param_hint="--port")
        overrides[name] = int(port)
    return overrides


@sim.command("backoffice")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8101, show_default=True, type=int)
@click.option("--token", default=None, help="Require this bearer token.")
def sim_backoffice(host: str, port: int, token: str | None) -> None:
    """A municipal back-office REST system that records messages and injects faults on request."""
    from hub.sim.backoffice import run_backoffice

    run_backoffice(host, port, token)


@sim.command("xta")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8102, show_default=True, type=int)
def sim_xta(host: str, port: int) -> None:
    """An XTA 2 server (SOAP 1.2, official WSDL from HUB_SCHEMA_PATH) with message boxes and fault injection."""
    from hub.sim.kit.server import run_app
    from hub.sim.xta import create_xta_app

    run_app(create_xta_app(_xta_wsdl()), host, port)


def _xta_wsdl() -> Path:
    """The official XTA 2 WSDL of the schema catalog; the simulator validates everything against it."""
    from hub.schemas import SchemaCatalog

    return SchemaCatalog.from_path(settings().schema_path).get("xta2-2.1.1").path("XTA.wsdl")


@sim.command("sftp")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2222, show_default=True, type=int)
@click.option("--root", default="var/sftp", show_default=True, help="The folder served (created if missing).")
@click.option("--user", default="hub", show_default=True)
@click.option("--password", default=None, help="The user's password (default: a random one, printed).")
@click.option("--host-key", default="var/sftp-host-key", show_default=True, help="Kept here across restarts.")
@click.option("--receiver/--no-receiver", default=True, show_default=True, help="Write <messageId>.done markers.")
def sim_sftp(host: str, port: int, root: str, user: str, password: str | None, host_key: str, receiver: bool) -> None:
    """A file-drop SFTP server with a folder and, optionally, a receiver that acknowledges each message."""
    import secrets

    from hub.sim.sftp import run_sftp

    password = password or secrets.token_urlsafe(12)
    console.print(f"login: {user} / {password}")
    run_sftp(host, port, Path(root), {user: password}, receiver=receiver, host_key_file=Path(host_key))
