"""Routing at the catalogue's scale: start-up and per-request routing with 14 services and with ~4,800.

    python -m bench.routing [--lookups 200000] [--repeat 5] [--instructions]

Loads the demo region (``config/emscher-lippe``) twice, each in a fresh interpreter so imports and
caches do not carry over: as the 14 services of its own (the ``catalogue`` section taken out), and
with the whole NRW OZG catalogue on the generic path. For each it prints the load time
(``load_region`` plus the submission contract the API builds from it, best of ``--repeat``), the
memory the loaded region holds (tracemalloc), and the cost of one routing decision
(``Router.destinations``) for the region's own services and, with the catalogue, for catalogued
keys. The ceiling of the same run is a bare dict lookup of a (service, AGS) pair in a table of the
region's routes: ratio = ceiling / lookup. Target: the per-request cost with the whole catalogue
within noise of the cost with 14 services (a lookup must not grow with the catalogue's size).

The catalogued lookup is also timed with the catalogue cut to 14, 500 and all of its municipal
entries, once for requests spread over all the cut's keys and once for the same 14 keys at every
size: a larger spread touches more memory (more cache misses), the catalogue's size alone must not
matter. ``--instructions`` counts the instructions of one catalogued lookup at each size with
callgrind (the difference of two runs, 11,000 and 1,000 lookups after the same warm-up), which the
machine's load does not move.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

from hub.config import PROJECT_ROOT

REGION = PROJECT_ROOT / "config" / "emscher-lippe"


def _without_catalogue(target: Path) -> Path:
    shutil.copytree(REGION, target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document.pop("catalogue", None)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return target


def _per_call(work: Any, items: list[Any], lookups: int) -> float:
    """Seconds per call of ``work(*item)``, best of three passes over ``lookups`` calls."""
    best = float("inf")
    sequence = (items * (lookups // len(items) + 1))[:lookups]
    for _ in range(3):
        started = time.perf_counter()
        for item in sequence:
            work(*item)
        best = min(best, time.perf_counter() - started)
    return best / lookups


def measure(directory: Path, lookups: int, repeat: int) -> dict[str, Any]:
    """Runs in a fresh interpreter (``--measure``): the figures of one region as JSON."""
    from hub.api.submission_schema import build_contract
    from hub.catalogue import ServiceKind
    from hub.routing import Router, load_region
    from hub.routing.generic_path import service_id

    load_region(directory)  # imports and the first parse out of the way
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        region = load_region(directory)
        build_contract(region)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    region = load_region(directory)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    router = Router(region)
    own = sorted(region.routes)
    table = {pair: route.destinations for pair, route in region.routes.items()}
    figures: dict[str, Any] = {
        "services": len(region.services) + (len(region.generic.catalogue) if region.generic else 0),
        "load_seconds": min(times),
        "held_bytes": held,
        "ceiling_seconds": _per_call(lambda s, a: table.get((s, a)), own, lookups),
        "own_seconds": _per_call(router.destinations, own, lookups),
    }
    if region.generic is not None:
        generic = region.generic
        keys = sorted(generic.catalogue.of_kind(ServiceKind.MUNICIPAL) - set(generic.overridden))
        chooser = random.Random(1)
        bodies = sorted(region.municipalities)
        catalogued = [(service_id(chooser.choice(keys)), chooser.choice(bodies)) for _ in range(5000)]
        figures["catalogued_seconds"] = _per_call(router.destinations, catalogued, lookups)
        figures["by_size"] = _by_catalogue_size(region, keys, bodies, lookups)
    return figures


def _cut(region: Any, keys: list[str], size: int) -> tuple[Any, list[str]]:
    """The region with its catalogue cut to the first ``size`` of ``keys``, and those (each cut holds the smaller)."""
    from dataclasses import replace

    from hub.catalogue import Catalogue

    generic = region.generic
    kept = keys[:size]
    cut = Catalogue({k: generic.catalogue.entries[k] for k in kept}, generic.catalogue.source)
    return replace(region, generic=replace(generic, catalogue=cut)), kept


def _requests(keys: list[str], bodies: list[str], seed: int) -> list[tuple[str, str]]:
    from hub.routing.generic_path import service_id

    chooser = random.Random(seed)
    return [(service_id(chooser.choice(keys)), chooser.choice(bodies)) for _ in range(5000)]


def _by_catalogue_size(region: Any, keys: list[str], bodies: list[str], lookups: int) -> dict[str, dict[int, float]]:
    """A catalogued lookup with the catalogue cut to 14, 500 and all entries: spread, and the same 14 keys."""
    from hub.routing import Router

    sizes = (14, 500, len(keys))
    same = keys[: sizes[0]]
    out: dict[str, dict[int, float]] = {"spread": {}, "same": {}}
    for size in sizes:
        cut, kept = _cut(region, keys, size)
        router = Router(cut)
        out["spread"][size] = _per_call(router.destinations, _requests(kept, bodies, 2), lookups)
        out["same"][size] = _per_call(router.destinations, _requests(same, bodies, 3), lookups)
    return out


def count_lookups(directory: Path, size: int, lookups: int) -> None:
    """Runs under callgrind (``--count``): warm-up over every request, then ``lookups`` lookups.

    ``size`` 0: the region's own routes; else catalogued keys with the catalogue cut to ``size``.
    """
    from hub.catalogue import ServiceKind
    from hub.routing import Router, load_region

    region = load_region(directory)
    if size == 0:
        router, items = Router(region), sorted(region.routes)
    else:
        generic = region.generic
        assert generic is not None
        keys = sorted(generic.catalogue.of_kind(ServiceKind.MUNICIPAL) - set(generic.overridden))
        cut, kept = _cut(region, keys, min(size, len(keys)))
        router, items = Router(cut), _requests(kept, sorted(region.municipalities), 2)
    for item in items:
        router.destinations(*item)
    sequence = (items * (lookups // len(items) + 1))[:lookups]
    for item in sequence:
        router.destinations(*item)


def _instructions(directory: Path, size: int, lookups: int) -> int:
    with tempfile.TemporaryDirectory(prefix="hub-bench-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        child = ["-m", "bench.routing", "--count", str(directory), "--size", str(size), "--lookups", str(lookups)]
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, *child]
        env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts in both runs
        subprocess.run(command, check=True, capture_output=True, cwd=PROJECT_ROOT, env=env)
        totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M)
        assert totals is not None, "callgrind wrote no totals"
        return int(totals.group(1))


def instructions(own_only: Path) -> dict[str, float]:
    """Instructions of one routing decision: own services without and with the catalogue, catalogued by size."""
    cases = {
        "own services, 14 services": (own_only, 0),
        "own services, whole catalogue": (REGION, 0),
        "catalogued, cut to 14": (REGION, 14),
        "catalogued, cut to 500": (REGION, 500),
        "catalogued, whole catalogue": (REGION, 100_000),
    }
    return {
        label: (_instructions(directory, size, 11_000) - _instructions(directory, size, 1_000)) / 10_000
        for label, (directory, size) in cases.items()
    }


def _run(directory: Path, lookups: int, repeat: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.routing", "--measure", str(directory), "--lookups", str(lookups),
               "--repeat", str(repeat)]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=PROJECT_ROOT).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="also count instructions with callgrind")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=14, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count:
        count_lookups(args.count, args.size, args.lookups)
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.lookups, args.repeat)))
        return
    with tempfile.TemporaryDirectory(prefix="hub-bench-routing-") as tmp:
        own_only = _without_catalogue(Path(tmp) / "own")
        small = _run(own_only, args.lookups, args.repeat)
        whole = _run(REGION, args.lookups, args.repeat)
        counted = instructions(own_only) if args.instructions else {}
    for label, figures in (("own services only", small), ("whole catalogue", whole)):
        print(
            f"[{label}: {figures['services']} services] start-up (region + API contract) "
            f"{figures['load_seconds'] * 1000:.0f} ms, region holds {figures['held_bytes'] / 2**20:.1f} MiB; "
            f"routing {figures['own_seconds'] * 1e6:.2f} µs per request "
            f"(ceiling {figures['ceiling_seconds'] * 1e6:.3f} µs, "
            f"ratio {figures['ceiling_seconds'] / figures['own_seconds']:.2f})"
        )
    print(
        f"[whole catalogue] routing a catalogued service (generic path) {whole['catalogued_seconds'] * 1e6:.2f} µs "
        f"per request (ratio to the ceiling {whole['ceiling_seconds'] / whole['catalogued_seconds']:.2f})"
    )
    for mix, label in (("spread", "requests spread over all its keys"), ("same", "the same 14 keys")):
        sizes = ", ".join(f"{size} entries {sec * 1e6:.2f} µs" for size, sec in whole["by_size"][mix].items())
        print(f"[generic path] a catalogued lookup, {label}, with the catalogue cut to {sizes}")
    growth = whole["own_seconds"] / small["own_seconds"]
    print(f"per-request routing of the region's own services, whole catalogue / 14 services = {growth:.2f}")
    for label, count in counted.items():
        print(f"[instructions, callgrind] one routing decision, {label}: {count:,.0f}")


if __name__ == "__main__":
    main()
