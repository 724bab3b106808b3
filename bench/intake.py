"""Intake benchmark: the hub's POST /v1/submissions against a bare FastAPI ceiling on the same database.

    python -m bench.intake [--requests 3000] [--concurrency 16] [--backend sqlite|postgres|both]

For each database it serves the ceiling (parse the same JSON, insert one row) and then the hub
(auth, envelope + form validation, routing, mapping, one transaction with submission, delivery
and events, broker nudge), each in its own uvicorn process, drives both with the same load and
prints throughput, p50/p99 latency and the ratio hub / ceiling. Target: ratio >= 0.40.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path

from bench import loadgen
from bench.common import REDIS_URL, fresh_postgres, fresh_sqlite, payload, server
from hub.store.clients import ClientStore
from hub.store.db import Database

TARGET_RATIO = 0.40
KEY = "hub_benchkey_intake-benchmark-key-0000000000000000"


def measure(
    port: int, path: str, headers: dict[str, str], *, requests: int, concurrency: int, idempotent: bool
) -> loadgen.Result:
    body = payload()
    base = {"Content-Type": "application/json", **headers}

    def make(i: int) -> bytes:
        extra = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else {}
        return loadgen.post_request("127.0.0.1", port, path, body, {**base, **extra})

    loadgen.run("127.0.0.1", port, make, total=min(300, requests), concurrency=concurrency)  # warm-up
    return loadgen.run("127.0.0.1", port, make, total=requests, concurrency=concurrency)


def bench_backend(name: str, url: str, broker: str, *, requests: int, concurrency: int, log_dir: Path) -> float:
    db = Database(url)
    db.upgrade()
    ClientStore(db).create("bench-portal", ["*"], key=KEY)
    db.dispose()
    env = {"HUB_DATABASE_URL": url, "HUB_BROKER_URL": broker, "HUB_WORKER_THREADS": "16", "HUB_LOG_LEVEL": "WARNING"}
    with server("ceiling", env, log_dir) as served:
        ceiling = measure(served.port, "/ceiling", {}, requests=requests, concurrency=concurrency, idempotent=False)
    with server("hub", env, log_dir) as served:
        hub = measure(
            served.port,
            "/v1/submissions",
            {"Authorization": f"Bearer {KEY}"},
            requests=requests,
            concurrency=concurrency,
            idempotent=True,
        )
    ratio = hub.rate / ceiling.rate
    print(f"[{name}] ceiling (bare FastAPI, parse + 1 insert): {ceiling.summary()}")
    print(f"[{name}] hub intake (broker {broker.split(':')[0]}):            {hub.summary()}")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"[{name}] ratio hub/ceiling = {ratio:.2f} ({verdict} the target {TARGET_RATIO:.2f})")
    assert set(hub.statuses) == {202}, hub.statuses
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        log_dir = Path(tmp)
        if args.backend in ("sqlite", "both"):
            bench_backend(
                "sqlite",
                fresh_sqlite(log_dir),
                "memory://",
                requests=args.requests,
                concurrency=args.concurrency,
                log_dir=log_dir,
            )
        if args.backend in ("postgres", "both"):
            bench_backend(
                "postgres",
                fresh_postgres(),
                REDIS_URL,
                requests=args.requests,
                concurrency=args.concurrency,
                log_dir=log_dir,
            )


if __name__ == "__main__":
    main()
