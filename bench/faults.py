"""Fault suite: a bounded load through the production topology while its parts are killed and broken.

    python -m bench.faults [--submissions 3000] [--rate 20] [--short] [--drain-limit 120] ...

Starts, each as a process of its own and on free loopback ports: a PostgreSQL cluster and a Redis
server of the suite's own (never the machine's shared ones), the hub's API (``hub serve``), one
``hub worker --processes 2`` group and the REST back-office simulator (``hub sim backoffice``) for
the ten towns whose Hundesteuer goes to a REST Fachverfahren. It posts ``--submissions`` at a
steady ``--rate`` (each with its own Idempotency-Key, retried with the same key when a post fails)
and meanwhile injects the faults of the schedule (``--list`` shows them): SIGKILL of a worker child
and of the worker parent (restarted), SIGKILL of the API (restarted), Redis FLUSHALL + restart,
``pg_ctl restart -m fast``, ``pg_terminate_backend``, and receivers that answer 503, hang, drop the
connection, are slow, trickle, answer HTML with 200 or reset the connection.

When the last fault is over it waits until every delivery is settled (or ``--drain-limit`` passes),
reads the database and the simulator and prints accepted, delivered, lost, dead, stuck, duplicate
and parallel sends, the time to drain after the last fault, and ``N passed, M failed`` over its
checks. Exits 1 if a check failed. ``--short`` is the variant the test suite runs (150
submissions, four faults, about two minutes). See docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import create_engine

from bench.common import SAMPLE
from bench.fault_load import SteadyLoad
from bench.fault_report import Findings, measure, report, wait_drained
from bench.fault_schedule import FULL, SHORT, Injected, catalogue, lay_out, run_schedule
from bench.fault_topology import Topology
from bench.intake import KEY
from hub.routing.region import load_region


def town_submissions() -> list[tuple[str, bytes]]:
    """(system slug, body): the sample Hundesteuer-Anmeldung once for each town with a REST back office."""
    region = load_region(SAMPLE.parent.parent)
    envelope = json.loads(SAMPLE.read_text(encoding="utf-8"))
    out = []
    for m in region.municipalities.values():
        route = region.routes.get(("hundesteuer-anmeldung", m.ags))
        if route is None or any(region.destinations[d].connector != "fachverfahren-rest" for d in route.destinations):
            continue
        envelope["municipality"] = m.ags
        envelope["applicant"]["address"]["city"] = m.name
        out.append((m.slug, json.dumps(envelope).encode()))
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="the test suite's variant: 150 submissions, 4 faults")
    parser.add_argument("--submissions", type=int, help="submissions to post (default 3000; --short 150)")
    parser.add_argument("--rate", type=float, help="submissions per second (default 20; --short 5)")
    parser.add_argument("--drain-limit", type=float, help="seconds to wait for the drain (default 120; --short 75)")
    parser.add_argument("--period", type=float, default=8.0, help="seconds a receiver fault lasts at most")
    parser.add_argument("--faults", help="comma-separated fault names instead of the schedule (see --list)")
    parser.add_argument("--list", action="store_true", help="list the faults and the two schedules, then exit")
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="delivery threads per worker process")
    parser.add_argument("--hostile", type=int, default=3, help="towns whose receivers get the faults (1-3)")
    parser.add_argument("--keep", action="store_true", help="keep the logs even when every check passed")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra HUB_* setting for the hub's processes"
    )
    args = parser.parse_args(argv)
    args.submissions = args.submissions or (150 if args.short else 3000)
    args.rate = args.rate or (5.0 if args.short else 20.0)
    args.drain_limit = args.drain_limit if args.drain_limit is not None else (75.0 if args.short else 120.0)
    return args


def say(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    towns = town_submissions()
    hostile = [slug for slug, _ in towns[: max(1, min(args.hostile, 3))]]
    faults = catalogue(hostile)
    names = args.faults.split(",") if args.faults else list(SHORT if args.short else FULL)
    unknown = [n for n in names if n not in faults]
    if unknown:
        say(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(faults)}")
        return 2
    malformed = [item for item in args.env if "=" not in item]
    if malformed:
        say(f"--env takes NAME=VALUE, not: {', '.join(malformed)}")
        return 2
    extra_env = dict(item.split("=", 1) for item in args.env)
    work = Path(tempfile.mkdtemp(prefix="hub-faults-"))
    topology = Topology(work, worker_processes=args.worker_processes, threads=args.threads, extra_env=extra_env)
    say(f"fault suite: {args.submissions} submissions at {args.rate:g}/s, faults {', '.join(names)}; logs in {work}")
    failed = 1
    started = time.monotonic()
    try:
        topology.start()
        say(
            f"topology up in {time.monotonic() - started:.1f}s: PostgreSQL :{topology.postgres.port}, "
            f"Redis :{topology.redis.port}, API :{topology.api_port}, simulator :{topology.sim_port}, "
            f"workers {topology.workers.pid if topology.workers else '?'} + {topology.worker_children()}; "
            f"hostile receivers {', '.join(hostile)}"
        )
        load = SteadyLoad(
            topology.api_url,
            KEY,
            [body for _, body in towns],
            total=args.submissions,
            rate=args.rate,
            run_id=uuid.uuid4().hex[:8],
        )
        slots = lay_out([faults[n] for n in names], load.planned_seconds, args.period)
        began = time.monotonic()
        load.start()
        injected = run_schedule(topology, slots, load, began)
        last_fault_end = began + max((i.ended for i in injected), default=0.0)
        load.join()
        say(f"load over after {time.monotonic() - began:.1f}s; draining")
        findings = _drain_and_measure(topology, load, last_fault_end, args.drain_limit)
        _report_unsupported(injected)
        failed = report(findings, load.tally.outcomes, say)
    finally:
        topology.stop()
        if failed == 0 and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"logs kept in {work}")
        say(f"fault suite took {time.monotonic() - started:.0f}s")
    return failed


def _drain_and_measure(topology: Topology, load: SteadyLoad, last_fault_end: float, limit: float) -> Findings:
    engine = create_engine(topology.postgres.url)
    try:
        deadline = max(last_fault_end, load.tally.finished_at or time.monotonic()) + limit
        drained_at = wait_drained(engine, deadline, say)
    finally:
        engine.dispose()
    findings = measure(
        topology.postgres.url,
        load.tally.accepted,
        load.total,
        topology.receiver_message_ids(),
        topology.receiver_stats(),
    )
    findings.drain_seconds = max(0.0, drained_at - last_fault_end) if drained_at is not None else None
    findings.orphaned_workers = topology.orphaned_workers()
    return findings


def _report_unsupported(injected: list[Injected]) -> None:
    for item in injected:
        if item.unsupported:
            say(f"note: {item.name}: receiver mode(s) {', '.join(item.unsupported)} not injected (simulator refused)")


def list_faults() -> None:
    for name in catalogue(["town-a", "town-b", "town-c"]):
        marks = [label for label, group in (("full", FULL), ("short", SHORT)) if name in group]
        say(f"{name:18} {', '.join(marks)}")


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # Unwinds through run()'s finally, which stops the suite's PostgreSQL, Redis and hub processes.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.list:
        list_faults()
        return
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    sys.exit(1 if run(args) else 0)


if __name__ == "__main__":
    main()
