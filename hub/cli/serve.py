"""``hub serve`` and ``hub worker``: the two long-running processes of a deployment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hub.cli.context import console, open_hub, settings

_PEM = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Run delivery workers in this process (default: only with the in-process broker memory://).",
)
@click.option("--tls-cert", type=_PEM, help="Serve HTTPS with this certificate chain (PEM) [HUB_TLS_CERT].")
@click.option("--tls-key", type=_PEM, help="Its private key (PEM; default: in the certificate file) [HUB_TLS_KEY].")
@click.option(
    "--client-ca",
    type=_PEM,
    help="Require client certificates signed by this CA (PEM) [HUB_TLS_CLIENT_CA]; needs --tls-cert.",
)
def serve(
    host: str, port: int, worker: bool | None, tls_cert: Path | None, tls_key: Path | None, client_ca: Path | None
) -> None:
    """Serve the HTTP API (intake, status, operator endpoints, /docs, /metrics), over TLS if given a certificate."""
    import uvicorn

    from hub.api.app import create_app

    current = settings()
    cert, key, ca = tls_cert or current.tls_cert, tls_key or current.tls_key, client_ca or current.tls_client_ca
    if (key or ca) and not cert:
        raise click.UsageError("--tls-key and --client-ca need --tls-cert (or HUB_TLS_CERT)")
    tls = _tls_options(cert, key, ca) if cert else {}
    run_worker = current.broker_url.startswith("memory:") if worker is None else worker
    hub = open_hub(migrate=True, api=True, worker=run_worker)
    app = create_app(hub, run_worker=run_worker)
    scheme = "https" if cert else "http"
    clients = "  client certificates required" if ca else ""
    console.print(
        f"[bold]hub[/] serving on {scheme}://{host}:{port}  (docs: /docs, worker in process: {run_worker}){clients}"
    )
    # log_config=None: uvicorn's lines go through hub.logging (JSON) instead of its own formatter.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, log_config=None, **tls)
    hub.close()


def _tls_options(cert: Path, key: Path | None, ca: Path | None) -> dict[str, Any]:
    from hub.tls import uvicorn_options

    try:
        return uvicorn_options(cert, key, ca)
    except FileNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="--tls-cert/--tls-key/--client-ca") from exc


@click.command()
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
    current = settings()
    if current.broker_url.startswith("memory:"):
        raise click.UsageError("HUB_BROKER_URL is memory:// (in-process): 'hub serve' runs the worker itself")
    sys.exit(run_workers(current, processes, threads=threads, ready_file=ready_file))
