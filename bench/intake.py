"""Intake benchmark: the hub's POST /v1/submissions against a bare FastAPI ceiling on the same database.

    python -m bench.intake [--requests 3000] [--concurrency 16] [--backend sqlite|postgres|both] [--scan]
                           [--encryption on|off]

For each database it serves the ceiling (parse the same JSON, insert one row) and then the hub
(auth, envelope + form validation, routing, mapping, one transaction with submission, delivery
and events, broker nudge), each in its own uvicorn process, drives both with the same load and
prints throughput, p50/p99 latency and the ratio hub / ceiling. Target: ratio >= 0.40.

``--scan`` adds what checking attachments costs (bench.attachment_costs): the type check per
attachment, a clamd scan per attachment, and the hub with one PDF per request, without a scanner
and with clamd.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path

from bench import loadgen
from bench.attachment_costs import payload_with, pdf_of, report_scan, report_type_check, running_clamd
from bench.common import REDIS_URL, encryption_env, fresh_postgres, fresh_sqlite, payload, server
from hub.store.clients import ClientStore
from hub.store.db import Database

TARGET_RATIO = 0.40
KEY = "hub_benchkey_intake-benchmark-key-0000000000000000"


def measure(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    requests: int,
    concurrency: int,
    idempotent: bool,
    body: bytes | None = None,
) -> loadgen.Result:
    body = body or payload()
    base = {"Content-Type": "application/json", **headers}

    def make(i: int) -> bytes:
        extra = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else {}
        return loadgen.post_request("127.0.0.1", port, path, body, {**base, **extra})

    loadgen.run("127.0.0.1", port, make, total=min(300, requests), concurrency=concurrency)  # warm-up
    return loadgen.run("127.0.0.1", port, make, total=requests, concurrency=concurrency)


ENCRYPTION = {"on": True}  # --encryption: set by main, read by prepare (every hub of the run)


def prepare(url: str, broker: str) -> dict[str, str]:
    """An empty hub database with the benchmark's portal key; the hub's environment for it."""
    db = Database(url)
    db.upgrade()
    ClientStore(db).create("bench-portal", ["*"], key=KEY)
    db.dispose()
    env = {"HUB_DATABASE_URL": url, "HUB_BROKER_URL": broker, "HUB_WORKER_THREADS": "16", "HUB_LOG_LEVEL": "WARNING"}
    return env | encryption_env(ENCRYPTION["on"])


def bench_backend(name: str, url: str, broker: str, *, requests: int, concurrency: int, log_dir: Path) -> float:
    env = prepare(url, broker)
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


def bench_scanning(log_dir: Path, *, requests: int, concurrency: int, kib: int) -> None:
    """The hub on SQLite with one ``kib`` KiB PDF per request, without a scanner and with clamd."""
    content = pdf_of(kib)
    report_type_check(content)
    clamd = running_clamd(log_dir)
    try:
        report_scan(clamd, content)
        results: dict[str, loadgen.Result] = {}
        for label, extra in (("no scanner", {}), ("clamd", {"HUB_CLAMD_URL": clamd.unix_url})):
            env = {**prepare(fresh_sqlite(log_dir), "memory://"), **extra}
            with server("hub", env, log_dir) as served:
                results[label] = measure(
                    served.port,
                    "/v1/submissions",
                    {"Authorization": f"Bearer {KEY}"},
                    requests=requests,
                    concurrency=concurrency,
                    idempotent=True,
                    body=payload_with(content),
                )
            print(f"[sqlite, one {kib} KiB PDF] hub intake, {label}: {results[label].summary()}")
            assert set(results[label].statuses) == {202}, results[label].statuses
        off, on = results["no scanner"], results["clamd"]
        print(
            f"[sqlite, one {kib} KiB PDF] scanning costs {(on.percentile(0.5) - off.percentile(0.5)) * 1000:.1f} ms "
            f"at p50 and keeps {on.rate / off.rate:.0%} of the throughput"
        )
    finally:
        clamd.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scan", action="store_true", help="also measure type detection and clamd scanning")
    parser.add_argument("--attachment-kib", type=int, default=200, help="size of the PDF posted with --scan")
    parser.add_argument("--encryption", choices=["on", "off"], default="on", help="encryption at rest (issue 13)")
    args = parser.parse_args()
    ENCRYPTION["on"] = args.encryption == "on"
    print(f"encryption at rest: {args.encryption}")
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        log_dir = Path(tmp)
        if args.scan:
            bench_scanning(log_dir, requests=args.requests, concurrency=args.concurrency, kib=args.attachment_kib)
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
