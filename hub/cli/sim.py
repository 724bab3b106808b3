"""``hub sim``: the simulators of the target systems, each run as a real server."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import console, settings


@click.group()
def sim() -> None:
    """Simulators of the target systems, as real servers."""


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
