"""End-to-end benchmark: accepted to delivered at the back-office simulator, in the production topology.

    python -m bench.e2e [--submissions 5000] [--concurrency 32] [--workers 2] [--threads 8] [--backlog]
                        [--encryption on|off]

PostgreSQL, the Redis broker, the hub's API in one process, ``--workers`` ``hub worker``
processes and the back-office simulator in another process, all on this 2-core machine.
Submissions for the ten towns whose Hundesteuer goes to a REST back office are posted while the
workers deliver (or, with ``--backlog``, all posted first and the workers started after, which
measures the delivery side alone). The run ends when every delivery is delivered. It prints the
end-to-end rate (delivered submissions / (last delivered - first accepted)), the
accepted-to-delivered latency p50/p99, the CPU each process used per submission, and, measured in
the same run, the bare FastAPI ceiling (parse + one insert) on the same database with the ratio.
Target: at least 500 submissions/s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
from sqlalchemy import func, select

from bench import loadgen
from bench.common import (
    REDIS_URL,
    SAMPLE,
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
from bench.intake import KEY, measure
from hub.routing.region import load_region
from hub.store.clients import ClientStore
from hub.store.db import Database
from hub.store.tables import delivery, submission

TARGET_RATE = 500.0


def bodies() -> list[bytes]:
    """The sample Hundesteuer-Anmeldung, once for each town whose route ends at its REST back office.

    (Bottrop and Gelsenkirchen send theirs to a SOAP tax application this benchmark does not run.)
    """
    region = load_region(SAMPLE.parent.parent)
    envelope = json.loads(SAMPLE.read_text(encoding="utf-8"))
    out = []
    for m in region.municipalities.values():
        route = region.routes.get(("hundesteuer-anmeldung", m.ags))
        if route is None or any(region.destinations[d].connector != "fachverfahren-rest" for d in route.destinations):
            continue
        envelope["municipality"] = m.ags
        envelope["applicant"]["address"]["city"] = m.name
        out.append(json.dumps(envelope).encode())
    return out


def delivered_count(db: Database) -> int:
    with db.read() as conn:
        query = select(func.count()).select_from(delivery).where(delivery.c.state == "delivered")
        return int(conn.execute(query).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--backlog", action="store_true", help="post everything first, then start the workers")
    parser.add_argument("--encryption", choices=["on", "off"], default="on", help="encryption at rest (issue 13)")
    args = parser.parse_args()
    print(f"encryption at rest: {args.encryption}")

    url = fresh_postgres()
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = Database(url)
    db.upgrade()
    ClientStore(db).create("bench-portal", ["*"], key=KEY)
    sim_port = free_port()
    env = {
        "HUB_DATABASE_URL": url,
        "HUB_BROKER_URL": REDIS_URL,
        "HUB_BACKOFFICE_URL": f"http://127.0.0.1:{sim_port}",
        "HUB_WORKER_THREADS": str(args.threads),
        "HUB_LOG_LEVEL": "WARNING",
        **encryption_env(args.encryption == "on"),
    }
    sim_args = [sys.executable, "-m", "hub.sim", "backoffice", "--port", str(sim_port)]
    worker_args = [sys.executable, "-m", "hub", "worker", "--threads", str(args.threads)]
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp, ExitStack() as stack:
        log_dir = Path(tmp)
        with server("ceiling", env, log_dir) as served:
            ceiling = measure(
                served.port, "/ceiling", {}, requests=3000, concurrency=args.concurrency, idempotent=False
            )
        sim = stack.enter_context(process(sim_args, env, log_dir / "sim.log"))
        wait_http(f"http://127.0.0.1:{sim_port}/healthz")
        api = stack.enter_context(server("hub", env, log_dir))

        def start_workers() -> dict[str, int]:
            procs = [
                stack.enter_context(process(worker_args, env, log_dir / f"worker-{i}.log")) for i in range(args.workers)
            ]
            return {f"worker {i}": p.pid for i, p in enumerate(procs)}

        pids = {"api": api.pid, "simulator": sim.pid}
        if not args.backlog:
            pids |= start_workers()
            time.sleep(2)  # let them connect before the clock starts
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        busy_before = machine_busy_seconds()
        services_before = cpu_by_command("postgres", "redis-server")
        bench_before = time.process_time()
        payloads = bodies()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}

        def make(i: int) -> bytes:
            extra = {"Idempotency-Key": str(uuid.uuid4())}
            return loadgen.post_request(
                "127.0.0.1", api.port, "/v1/submissions", payloads[i % len(payloads)], {**headers, **extra}
            )

        intake = loadgen.run("127.0.0.1", api.port, make, total=args.submissions, concurrency=args.concurrency)
        drain_started = datetime.now(UTC)
        if args.backlog:
            worker_pids = start_workers()
            cpu_before |= {name: 0.0 for name in worker_pids}
            pids |= worker_pids
        deadline = time.monotonic() + 300
        while delivered_count(db) < args.submissions and time.monotonic() < deadline:
            time.sleep(0.1)
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        busy = machine_busy_seconds() - busy_before
        services_after = cpu_by_command("postgres", "redis-server")
        cpu |= {name: services_after[name] - services_before[name] for name in services_after}
        cpu["load generator"] = time.process_time() - bench_before
        stats = httpx.get(f"http://127.0.0.1:{sim_port}/_sim/stats").json()

    with db.read() as conn:
        rows = conn.execute(
            select(submission.c.received_at, delivery.c.delivered_at).join(
                delivery, delivery.c.submission_id == submission.c.id
            )
        ).all()
    db.dispose()
    delivered = [r for r in rows if r.delivered_at is not None]
    latencies = sorted((r.delivered_at - r.received_at).total_seconds() for r in delivered)
    first = drain_started if args.backlog else min(r.received_at for r in rows)
    span = (max(r.delivered_at for r in delivered) - first).total_seconds()
    rate = len(delivered) / span
    delivered_span = (max(r.delivered_at for r in delivered) - min(r.delivered_at for r in delivered)).total_seconds()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(int(len(latencies) * 0.99), len(latencies) - 1)]
    mode = "backlog drained by the workers" if args.backlog else "posted while the workers deliver"
    print(f"ceiling (bare FastAPI, parse + 1 insert, PostgreSQL): {ceiling.summary()}")
    print(f"intake as seen by the portals:                         {intake.summary()}")
    print(
        f"end to end ({mode}): {len(delivered)}/{len(rows)} delivered in {span:.2f}s = {rate:,.0f} submissions/s, "
        f"accepted->delivered p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"({args.workers} worker processes x {args.threads} threads, Redis broker, PostgreSQL)"
    )
    per = {name: seconds / len(delivered) * 1000 for name, seconds in cpu.items()}
    print(
        "CPU per submission: "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in per.items())
        + f"; whole machine {busy / len(delivered) * 1000:.2f} ms"
    )
    print(
        f"delivery throughput (first to last delivered, without worker start-up): "
        f"{len(delivered) / delivered_span:,.0f} submissions/s"
    )
    print(f"simulator: {stats['received']} stored, {stats['duplicates']} duplicates discarded")
    print(f"ratio end-to-end rate / ceiling rate = {rate / ceiling.rate:.2f}")
    verdict = "meets" if rate >= TARGET_RATE else "MISSES"
    print(f"end-to-end rate {rate:,.0f}/s {verdict} the target {TARGET_RATE:.0f}/s")


if __name__ == "__main__":
    main()
