"""Inbound benchmark: a full XTA 2 box to delivered at the back office, against outbound end to end.

    python -m bench.inbound [--messages 500] [--submissions 1000] [--workers 2] [--threads 4]
                            [--poll-seconds 0.5] [--concurrency 32] [--encryption on|off]

The production topology on this machine, every part a process of its own: PostgreSQL, the Redis
broker, ``--workers`` ``hub worker`` processes with the shipped region (config/emscher-lippe),
an XTA 2 simulator holding Gladbeck's Gewerbeamt box (``gladbeck-gewerbeamt-xta``), a second XTA
2 simulator as Gladbeck's Gewerbe back office (``gladbeck-gewerbe-fachverfahren``), and for the
outbound phase the hub's API and the REST back-office simulator.

1. Inbound: the box is filled first with ``--messages`` distinct XGewerbeanzeige messages (the
   KoSIT 2.2 sample, each with a fresh ``nachrichtenUUID``); then the workers start, polling every
   ``--poll-seconds`` (one poller at a time across the processes: the lease; each pass lists up
   to ``maxListItems`` = 50 messages, fetches, stores and closes them one by one). Measured from
   the start of the first poll pass to the last case delivered at the back office: messages/s,
   stored→delivered p50/p99, CPU per message of each process.
2. Outbound, same run, same workers: ``--submissions`` Hundesteuer-Anmeldungen posted to the API
   while the workers deliver them to the REST back office (as ``python -m bench.e2e``, smaller);
   its end-to-end rate (first accepted to last delivered) and the ratio inbound rate / outbound rate.

Database and broker: HUB_BENCH_POSTGRES_URL (recreated empty), HUB_BENCH_REDIS_URL (flushed), as
bench.common; HUB_SCHEMA_PATH (default ../shared/standards) must hold the XTA 2 WSDL and schemas.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import httpx
import redis

from bench import loadgen
from bench.common import (
    REDIS_URL,
    cpu_by_command,
    cpu_seconds,
    encryption_env,
    free_port,
    fresh_postgres,
    machine_busy_seconds,
    process,
    server,
    wait_http,
)
from bench.e2e import bodies
from bench.inbound_support import (
    Figures,
    delivered,
    fill_box,
    first_poll_started,
    inbound_figures,
    outbound_figures,
    wait_delivered,
)
from bench.intake import KEY
from hub.config import PROJECT_ROOT
from hub.store.clients import ClientStore
from hub.store.db import Database

DRAIN_TIMEOUT = 600.0


class Cpu:
    """CPU seconds of the named processes, PostgreSQL, Redis and the whole machine since ``start``."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.services = cpu_by_command("postgres", "redis-server")
        self.busy = machine_busy_seconds()

    def per_item(self, count: int) -> str:
        used = {name: cpu_seconds(pid) - self.before[name] for name, pid in self.pids.items()}
        services = cpu_by_command("postgres", "redis-server")
        used |= {name: services[name] - self.services[name] for name in services}
        busy = machine_busy_seconds() - self.busy
        parts = ", ".join(f"{name} {seconds / count * 1000:.2f} ms" for name, seconds in used.items())
        return f"{parts}; whole machine {busy / count * 1000:.2f} ms"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inbound", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=500, help="messages put into the box before the clock starts")
    parser.add_argument("--submissions", type=int, default=1000, help="outbound submissions of the same run")
    parser.add_argument("--workers", type=int, default=2, help="hub worker processes")
    parser.add_argument("--threads", type=int, default=4, help="delivery threads per worker process")
    parser.add_argument("--poll-seconds", type=float, default=0.5, help="HUB_INBOUND_POLL_SECONDS of the workers")
    parser.add_argument("--concurrency", type=int, default=32, help="portal connections of the outbound phase")
    parser.add_argument("--encryption", choices=["on", "off"], default="on", help="encryption at rest (issue 13)")
    return parser.parse_args()


def _environment(args: argparse.Namespace, url: str, ports: dict[str, int]) -> dict[str, str]:
    return {
        "HUB_DATABASE_URL": url,
        "HUB_BROKER_URL": REDIS_URL,
        "HUB_SCHEMA_PATH": os.environ.get("HUB_SCHEMA_PATH", str(PROJECT_ROOT.parent / "shared" / "standards")),
        "HUB_BACKOFFICE_URL": f"http://127.0.0.1:{ports['backoffice']}",
        "HUB_GEWERBE_XTA_URL": f"http://127.0.0.1:{ports['box']}/xta",
        "HUB_GEWERBE_FACHVERFAHREN_XTA_URL": f"http://127.0.0.1:{ports['gewerbe']}/xta",
        "HUB_INBOUND_POLL_SECONDS": str(args.poll_seconds),
        "HUB_WORKER_THREADS": str(args.threads),
        "HUB_LOG_LEVEL": "WARNING",
        **encryption_env(args.encryption == "on"),
    }


def _first_poll(db: Database, timeout: float = 60) -> datetime:
    """The start of the first poll pass, read off the lease row before a second pass overwrites it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = first_poll_started(db)
        if started is not None:
            return started
        time.sleep(0.01)
    raise RuntimeError(f"no worker polled the box within {timeout}s")


def _post_outbound(args: argparse.Namespace, api_port: int) -> loadgen.Result:
    payloads = bodies()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}

    def make(i: int) -> bytes:
        extra = {"Idempotency-Key": str(uuid.uuid4())}
        return loadgen.post_request(
            "127.0.0.1", api_port, "/v1/submissions", payloads[i % len(payloads)], {**headers, **extra}
        )

    return loadgen.run("127.0.0.1", api_port, make, total=args.submissions, concurrency=args.concurrency)


def _report(args: argparse.Namespace, inbound: Figures, outbound: Figures, cpu: dict[str, str], fill: float) -> None:
    topology = f"{args.workers} worker processes x {args.threads} threads, poll every {args.poll_seconds}s"
    print(f"box filled with {args.messages} XGewerbeanzeige messages in {fill:.1f}s ({args.messages / fill:,.0f}/s)")
    print(f"inbound (first poll -> last delivered at the Gewerbe back office; {topology}):")
    print(f"  {inbound.summary('messages')} (stored -> delivered)")
    print(f"  CPU per message: {cpu['inbound']}")
    print("outbound end to end (first accepted -> last delivered at the REST back office, same workers):")
    print(f"  {outbound.summary('submissions')} (accepted -> delivered)")
    print(f"  CPU per submission: {cpu['outbound']}")
    print(f"ratio inbound rate / outbound rate = {inbound.rate / outbound.rate:.2f}")


def main() -> None:
    args = _arguments()
    print(f"encryption at rest: {args.encryption}")
    url = fresh_postgres()
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = Database(url)
    db.upgrade()
    ClientStore(db).create("bench-portal", ["*"], key=KEY)
    ports = {name: free_port() for name in ("box", "gewerbe", "backoffice")}
    env = _environment(args, url, ports)
    os.environ["HUB_SCHEMA_PATH"] = env["HUB_SCHEMA_PATH"]
    hub = [sys.executable, "-m", "hub"]
    cpu: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hub-bench-inbound-") as tmp, ExitStack() as stack:
        log_dir = Path(tmp)
        pids: dict[str, int] = {}
        for name in ("box", "gewerbe"):
            sim = stack.enter_context(
                process([*hub, "sim", "xta", "--port", str(ports[name])], env, log_dir / f"{name}.log")
            )
            wait_http(f"http://127.0.0.1:{ports[name]}/healthz")
            pids[f"{name} simulator"] = sim.pid
        fill = fill_box(f"http://127.0.0.1:{ports['box']}", args.messages)
        for i in range(args.workers):
            worker = stack.enter_context(process([*hub, "worker"], env, log_dir / f"worker-{i}.log"))
            pids[f"worker {i}"] = worker.pid
        first = _first_poll(db)
        cpu_inbound = Cpu(pids)  # from the first poll: the workers' start-up is not counted
        if not wait_delivered(db, args.messages, inbound=True, timeout=DRAIN_TIMEOUT):
            print(f"inbound: only {delivered(db, inbound=True)}/{args.messages} delivered in {DRAIN_TIMEOUT:.0f}s")
        cpu["inbound"] = cpu_inbound.per_item(args.messages)
        inbound = inbound_figures(db, first)

        backoffice = [*hub, "sim", "backoffice", "--port", str(ports["backoffice"])]
        sim = stack.enter_context(process(backoffice, env, log_dir / "backoffice.log"))
        wait_http(f"http://127.0.0.1:{ports['backoffice']}/healthz")
        api = stack.enter_context(server("hub", env, log_dir))
        pids |= {"api": api.pid, "backoffice simulator": sim.pid}
        cpu_outbound = Cpu(pids)
        intake = _post_outbound(args, api.port)
        if not wait_delivered(db, args.submissions, inbound=False, timeout=DRAIN_TIMEOUT):
            print(f"outbound: only {delivered(db, inbound=False)}/{args.submissions} delivered")
        cpu["outbound"] = cpu_outbound.per_item(args.submissions)
        outbound = outbound_figures(db)
        stored = httpx.get(f"http://127.0.0.1:{ports['gewerbe']}/_sim/messages", timeout=30).json()
    db.dispose()
    print(f"intake of the outbound phase as seen by the portals: {intake.summary()}")
    _report(args, inbound, outbound, cpu, fill)
    print(f"Gewerbe back office simulator holds {len(stored)} messages (expected {args.messages})")


if __name__ == "__main__":
    main()
