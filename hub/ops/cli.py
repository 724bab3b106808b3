"""The ``hub`` command: run the hub, its workers and the demo; inspect and repair deliveries."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from hub.config import Settings

# Piped output (cron, scripts, CI) gets wide lines: ids must never be cut to fit 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=400, soft_wrap=True)


def _settings() -> Settings:
    return Settings()


def _hub(migrate: bool = False, *, api: bool = False, worker: bool = False) -> Any:
    from hub.bootstrap import build
    from hub.logging import configure

    settings = _settings()
    configure(settings.log_level, settings.log_format)
    return build(settings, migrate=migrate, api=api, worker=worker)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="emscher-lippe-hub")
def main() -> None:
    """Emscher-Lippe integration hub: accepts portal submissions and delivers them to every destination.

    Configuration comes from HUB_* environment variables (see README): HUB_DATABASE_URL,
    HUB_BROKER_URL, HUB_CONFIG_DIR, HUB_MAPPINGS_DIR, ...
    """


# -- running -----------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Run delivery workers in this process (default: only with the in-process broker memory://).",
)
def serve(host: str, port: int, worker: bool | None) -> None:
    """Serve the HTTP API (intake, status, operator endpoints, /docs, /metrics)."""
    import uvicorn

    from hub.api.app import create_app

    settings = _settings()
    run_worker = settings.broker_url.startswith("memory:") if worker is None else worker
    hub = _hub(migrate=True, api=True, worker=run_worker)
    app = create_app(hub, run_worker=run_worker)
    console.print(f"[bold]hub[/] serving on http://{host}:{port}  (docs: /docs, worker in process: {run_worker})")
    # log_config=None: uvicorn's lines go through hub.logging (JSON) instead of its own formatter.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, log_config=None)
    hub.close()


@main.command()
@click.option("--threads", default=None, type=int, help="Delivery threads per process [HUB_WORKER_THREADS].")
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes; above 1, a supervisor forks them and respawns any that dies.",
)
@click.option(
    "--ready-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the ready worker pids here as JSON [HUB_WORKER_READY_FILE].",
)
def worker(threads: int | None, processes: int, ready_file: Path | None) -> None:
    """Run delivery workers on the configured broker (Redis or RabbitMQ), with the sweeper."""
    from hub.ops.supervisor import block_signals, run_workers

    block_signals(processes)  # first thing: from now on a SIGTERM waits until it is taken
    settings = _settings()
    if settings.broker_url.startswith("memory:"):
        raise click.UsageError("HUB_BROKER_URL is memory:// (in-process): 'hub serve' runs the worker itself")
    sys.exit(run_workers(settings, processes, threads=threads, ready_file=ready_file))


@main.command()
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

    Starts a simulator for every kind of receiver the demo region names (REST back offices, DMS,
    SOAP, SFTP, XTA), creates the demo API key for all municipalities and prints a curl example.
    """
    from hub.routing.region import load_region
    from hub.schemas import SchemaCatalog
    from hub.sim.landscape import Landscape

    settings = _settings()
    ports = {
        "backoffice": sim_port,
        "xta": xta_port,
        "dms": dms_port,
        "sftp": sftp_port,
        "soap": soap_port,
        "fitconnect": fitconnect_port,
    }
    landscape = Landscape.for_region(
        load_region(settings.config_dir), SchemaCatalog.from_path(settings.schema_path), ports
    ).start()
    for name, value in landscape.environment().items():
        os.environ.setdefault(name, value)
    for name, reason in landscape.skipped.items():
        console.print(f"[yellow]{name} simulator not started; its destinations will refuse submissions:[/] {reason}")
    hub = _hub(migrate=True)
    key = os.environ.get("HUB_DEMO_API_KEY", "hub_demo0000_emscher-lippe-demo-key")
    if hub.clients.authenticate(key) is None:
        hub.clients.create("demo-portal", ["*"], roles=["portal", "operator"], key=key)
    operator_password = os.environ.get("HUB_DEMO_OPERATOR_PASSWORD", "emscher-lippe-demo")
    if not any(account.name == "demo" for account in hub.operators.list()):
        hub.operators.create("demo", operator_password, role="admin", municipalities=["*"])
    hub.close()
    for name, server in landscape.servers.items():
        console.print(f"[bold]{name} simulator[/] on {server.url}  (received messages: {server.url}/_sim/messages)")
    if landscape.sftp is not None:
        console.print(f"[bold]sftp simulator[/] on {landscape.sftp.url}  (files under {landscape.sftp.root})")
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


# -- database and clients ----------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from hub.store.db import Database

    database = Database(_settings().database_url)
    database.upgrade(revision)
    console.print(f"database at {revision}: {database.engine.url.render_as_string(hide_password=True)}")


@main.group()
def clients() -> None:
    """API clients (portals and operators)."""


@clients.command("create")
@click.argument("name")
@click.option(
    "--municipality",
    "-m",
    "municipalities",
    multiple=True,
    help="AGS the key may act for (repeat).",
)
@click.option("--all-municipalities", is_flag=True, help="Bind the key to every municipality.")
@click.option("--service", "services", multiple=True, help="Restrict to these services (repeat).")
@click.option("--role", "roles", multiple=True, type=click.Choice(["portal", "operator"]), default=["portal"])
@click.option("--callback-url", default=None, help="URL for signed status callbacks.")
@click.option(
    "--callback-secret",
    default=None,
    help="Shared secret for callback signatures (generated if omitted).",
)
def clients_create(
    name: str,
    municipalities: tuple[str, ...],
    all_municipalities: bool,
    services: tuple[str, ...],
    roles: tuple[str, ...],
    callback_url: str | None,
    callback_secret: str | None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    if not municipalities and not all_municipalities:
        raise click.UsageError("give --municipality AGS (repeatable) or --all-municipalities")
    from hub.routing.region import load_region

    region = load_region(_settings().config_dir)
    unknown = [m for m in municipalities if m not in region.municipalities]
    if unknown:
        raise click.BadParameter(f"unknown AGS {unknown}", param_hint="--municipality")
    hub = _hub(migrate=True)
    client, key = hub.clients.create(
        name,
        ["*"] if all_municipalities else list(municipalities),
        services=list(services) or None,
        roles=list(roles),
        callback_url=callback_url,
        callback_secret=callback_secret,
    )
    hub.close()
    console.print(f"client [bold]{client.name}[/] ({client.id})")
    console.print(f"API key (shown once): [bold]{key}[/]")
    if client.callback_secret:
        console.print(f"callback secret: {client.callback_secret}")


@clients.command("list")
def clients_list() -> None:
    """List API clients."""
    hub = _hub()
    table = Table("name", "id", "roles", "municipalities", "services", "callback")
    for c in hub.clients.list():
        table.add_row(
            c.name, c.id, ",".join(sorted(c.roles)), ",".join(sorted(c.municipalities)),
            ",".join(sorted(c.services or [])) or "all", c.callback_url or "",
        )  # fmt: skip
    console.print(table)
    hub.close()


# -- inspecting and repairing ------------------------------------------------------------------


@main.group()
def submission() -> None:
    """Inspect submissions."""


@submission.command("show")
@click.argument("submission_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def submission_show(submission_id: str, as_json: bool) -> None:
    """A submission's status, deliveries and event log."""
    hub = _hub()
    view = hub.submissions.get(submission_id)
    if view is None:
        hub.close()
        raise click.ClickException(f"no submission {submission_id}")
    events = hub.submissions.events(submission_id)
    hub.close()
    if as_json:
        out = {
            "id": view.id, "service": view.service, "municipality": view.municipality, "status": view.status,
            "deliveries": [d.__dict__ for d in view.deliveries], "events": [e.__dict__ for e in events],
        }  # fmt: skip
        click.echo(json.dumps(out, default=str, indent=2))
        return
    console.print(f"[bold]{view.id}[/] {view.service} for {view.municipality}: [bold]{view.status}[/]")
    table = Table("destination", "state", "attempts", "last error", "receipt")
    for d in view.deliveries:
        table.add_row(
            d.destination_id,
            d.state,
            str(d.attempts),
            d.last_error or "",
            json.dumps(d.receipt or {}),
        )
    console.print(table)
    log = Table("#", "at", "kind", "detail")
    for e in events:
        log.add_row(
            str(e.id),
            e.at.isoformat(timespec="milliseconds"),
            e.kind,
            json.dumps(e.detail, ensure_ascii=False)[:120],
        )
    console.print(log)


@main.group()
def deliveries() -> None:
    """Inspect deliveries and dead letters."""


@deliveries.command("list")
@click.option("--state", type=click.Choice(["pending", "in_flight", "retrying", "delivered", "dead"]))
@click.option("--destination")
@click.option("--municipality")
@click.option("--limit", default=50, show_default=True)
def deliveries_list(state: str | None, destination: str | None, municipality: str | None, limit: int) -> None:
    """List deliveries, newest first (e.g. --state dead for dead letters)."""
    hub = _hub()
    rows = hub.deliveries.list(state=state, destination=destination, municipality=municipality, limit=limit)
    hub.close()
    table = Table("delivery", "submission", "destination", "state", "attempts", "last error")
    for r in rows:
        table.add_row(
            r.id,
            r.submission_id,
            r.destination_id,
            r.state,
            str(r.attempts),
            (r.last_error or "")[:60],
        )
    console.print(table)
    console.print(f"{len(rows)} shown")


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise click.BadParameter("give a timezone, e.g. 2026-11-24T10:00:00+01:00")
    return parsed


@main.command()
@click.argument("delivery_ids", nargs=-1)
@click.option("--destination", help="Replay all dead deliveries of this destination.")
@click.option("--since", help="Only deliveries that died at or after this ISO time.")
@click.option("--until", help="Only deliveries that died before this ISO time.")
@click.option("--actor", default=None, help="Audit log actor [default: cli:<OS user>].")
def replay(
    delivery_ids: tuple[str, ...],
    destination: str | None,
    since: str | None,
    until: str | None,
    actor: str | None,
) -> None:
    """Replay dead deliveries: one or a selection by id, or all of a destination (and time range).

    Many are replayed in chunks under a progress bar. With an external broker the replayed
    deliveries are picked up by the running workers.
    """
    from hub.ops.replay_progress import replay_with_progress

    if not delivery_ids and not destination:
        raise click.UsageError("give delivery ids or --destination")
    hub = _hub()
    replayed = replay_with_progress(
        hub, console, ids=list(delivery_ids), destination=destination, since=_when(since), until=_when(until),
        actor=actor,
    )  # fmt: skip
    if hub.embedded_broker and replayed:
        console.print("[yellow]in-process broker: the running 'hub serve' picks these up with its sweeper[/]")
    hub.close()
    console.print(f"replayed {len(replayed)} deliveries")
    for d in replayed:
        console.print(f"  {d}")


# -- simulators --------------------------------------------------------------------------------


@main.group()
def sim() -> None:
    """Simulators of the target systems, as real servers."""


@sim.command("backoffice")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8101, show_default=True, type=int)
@click.option("--token", default=None, help="Require this bearer token.")
def sim_backoffice(host: str, port: int, token: str | None) -> None:
    """A municipal back-office REST system that records messages and injects faults on request."""
    from hub.sim.server import run_backoffice

    run_backoffice(host, port, token)


@sim.command("xta")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8102, show_default=True, type=int)
def sim_xta(host: str, port: int) -> None:
    """An XTA 2 server (SOAP 1.2, official WSDL from HUB_SCHEMA_PATH) with message boxes and fault injection."""
    from hub.sim.server import run_app
    from hub.sim.xta import create_xta_app

    run_app(create_xta_app(_xta_wsdl()), host, port)


def _xta_wsdl() -> Path:
    """The official XTA 2 WSDL of the schema catalog; the simulator validates everything against it."""
    from hub.schemas import SchemaCatalog

    return SchemaCatalog.from_path(_settings().schema_path).get("xta2-2.1.1").path("XTA.wsdl")


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
    from pathlib import Path

    from hub.sim.sftp import run_sftp

    password = password or secrets.token_urlsafe(12)
    console.print(f"login: {user} / {password}")
    run_sftp(host, port, Path(root), {user: password}, receiver=receiver, host_key_file=Path(host_key))


from hub.ops.schemas_cli import schemas as schemas_group  # noqa: E402  (registered after the main group exists)

main.add_command(schemas_group)

from hub.ops.mappings_cli import mappings as mappings_group  # noqa: E402

main.add_command(mappings_group)

from hub.ops.connectors_cli import connectors as connectors_group  # noqa: E402

main.add_command(connectors_group)

from hub.ops.operators_cli import audit as audit_group  # noqa: E402
from hub.ops.operators_cli import operators as operators_group  # noqa: E402

main.add_command(operators_group)
main.add_command(audit_group)

from hub.ops.destinations_cli import destinations as destinations_group  # noqa: E402
from hub.ops.lookup_cli import deadletters as deadletters_group  # noqa: E402
from hub.ops.lookup_cli import search as search_command  # noqa: E402

main.add_command(destinations_group)
main.add_command(deadletters_group)
main.add_command(search_command)
