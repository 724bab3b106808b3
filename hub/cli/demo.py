"""``hub demo``: the whole hub on its embedded default, with a simulator for every kind of receiver."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hub.cli.context import console, open_hub, settings
from hub.cli.serve import serve
from hub.config import PROJECT_ROOT, Settings


@click.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--sim-port",
    default=8101,
    show_default=True,
    type=int,
    help="Port of the back-office simulator.",
)
@click.option("--xta-port", default=8102, show_default=True, type=int, help="Port of the XTA (Bauportal) simulator.")
@click.option("--dms-port", default=8103, show_default=True, type=int, help="Port of the DMS (xdomea) simulator.")
@click.option("--sftp-port", default=8104, show_default=True, type=int, help="Port of the SFTP file-drop simulator.")
@click.option("--soap-port", default=8105, show_default=True, type=int, help="Port of the SOAP tax-office simulator.")
@click.option("--fitconnect-port", default=8106, show_default=True, type=int, help="Port of the FIT-Connect simulator.")
def demo(
    port: int, sim_port: int, xta_port: int, dms_port: int, sftp_port: int, soap_port: int, fitconnect_port: int
) -> None:
    """Run the whole hub on its embedded default: SQLite, in-process broker and worker, simulators.

    Starts every simulator found through the entry-point group ``hub.simulators`` (REST back
    offices, DMS, SOAP, SFTP, XTA, FIT-Connect), creates the demo API key for all municipalities and
    prints a curl example.
    """
    from hub.routing import load_region, routed_keys
    from hub.schemas import SchemaCatalog
    from hub.sim.landscape import Landscape, demo_ports

    current = settings()
    region = load_region(current.config_dir)
    ports = {
        "backoffice": sim_port,
        "xta": xta_port,
        "dms": dms_port,
        "sftp": sftp_port,
        "soap": soap_port,
        "fitconnect": fitconnect_port,
    }
    landscape = Landscape(
        SchemaCatalog.from_path(current.schema_path),
        region.municipalities.values(),
        demo_ports(ports),
        offers=routed_keys(region),
    ).start()
    for name, value in landscape.environment().items():
        os.environ.setdefault(name, value)
    for name, reason in landscape.skipped.items():
        console.print(f"[yellow]{name} simulator not started; its destinations will refuse submissions:[/] {reason}")
    keys_file = _demo_keyring(current)
    hub = open_hub(migrate=True)
    key = os.environ.get("HUB_DEMO_API_KEY", "hub_demo0000_emscher-lippe-demo-key")
    if hub.clients.authenticate(key) is None:
        hub.clients.create("demo-portal", ["*"], roles=["portal", "operator", "admin"], key=key)
    operator_password = os.environ.get("HUB_DEMO_OPERATOR_PASSWORD", "emscher-lippe-demo")
    if not any(account.name == "demo" for account in hub.operators.list()):
        hub.operators.create("demo", operator_password, role="admin", municipalities=["*"])
    hub.close()
    for name, started in landscape.started.items():
        console.print(f"[bold]{name} simulator[/] on {started.server.url}  ({started.note})")
    console.print(f"[bold]demo API key[/] (all 13 municipalities, portal + operator + admin): {key}")
    if keys_file is not None:
        console.print(f"[bold]encryption at rest[/] with the demo keyring {keys_file}")
    console.print(
        f"[bold]operator console[/] http://127.0.0.1:{port}/console  (user demo, password {operator_password}, admin)"
    )
    console.print(
        f"try:  curl -s -X POST http://127.0.0.1:{port}/v1/submissions -H 'Authorization: Bearer {key}' "
        "-H 'Content-Type: application/json' -d @config/emscher-lippe/samples/hundesteuer-anmeldung.json"
    )
    ctx = click.get_current_context()
    try:
        ctx.invoke(serve, host="127.0.0.1", port=port, worker=True)
    finally:
        landscape.stop()


def _demo_keyring(current: Settings) -> Path | None:
    """The demo seals like production: without a configured keyring it makes one beside its data.

    The file lives in the directory of the demo's SQLite database (``var/`` by default), mode 0600;
    the environment points every later ``hub`` command of this process at it.
    """
    if current.data_keys_file is not None or current.data_keys:
        return None
    from sqlalchemy import make_url

    from hub.sealing import Keyring, generate_key, load_keyring
    from hub.sealing.keyring import write_keyring

    database = make_url(current.database_url).database if current.database_url.startswith("sqlite") else None
    directory = Path(database).parent if database and database != ":memory:" else PROJECT_ROOT / "var"
    path = directory / "data-keys.json"
    if not path.exists():
        write_keyring(path, Keyring("demo-1", {"demo-1": generate_key()}))
    load_keyring(path, None)  # a broken file stops the demo here, with the reason
    os.environ["HUB_DATA_KEYS_FILE"] = str(path)
    return path
