"""``hub demo``: the whole hub on its embedded default, with a simulator for every kind of receiver."""

from __future__ import annotations

import os

import click

from hub.cli.context import console, open_hub, settings
from hub.cli.serve import serve


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
    from hub.routing.region import load_region
    from hub.schemas import SchemaCatalog
    from hub.sim.landscape import Landscape, demo_ports

    current = settings()
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
        load_region(current.config_dir).municipalities.values(),
        demo_ports(ports),
    ).start()
    for name, value in landscape.environment().items():
        os.environ.setdefault(name, value)
    for name, reason in landscape.skipped.items():
        console.print(f"[yellow]{name} simulator not started; its destinations will refuse submissions:[/] {reason}")
    hub = open_hub(migrate=True)
    key = os.environ.get("HUB_DEMO_API_KEY", "hub_demo0000_emscher-lippe-demo-key")
    if hub.clients.authenticate(key) is None:
        hub.clients.create("demo-portal", ["*"], roles=["portal", "operator"], key=key)
    operator_password = os.environ.get("HUB_DEMO_OPERATOR_PASSWORD", "emscher-lippe-demo")
    if not any(account.name == "demo" for account in hub.operators.list()):
        hub.operators.create("demo", operator_password, role="admin", municipalities=["*"])
    hub.close()
    for name, started in landscape.started.items():
        console.print(f"[bold]{name} simulator[/] on {started.server.url}  ({started.note})")
    console.print(f"[bold]demo API key[/] (all 13 municipalities, portal + operator): {key}")
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
