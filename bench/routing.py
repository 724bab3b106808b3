"""Routing at the catalogue's scale: start-up and per-request routing with 14 services and with ~4,800.

    python -m bench.routing [--lookups 200000] [--repeat 5]

Loads the demo region (``config/emscher-lippe``) twice, each in a fresh interpreter so imports and
caches do not carry over: as the 14 services of its own (the ``catalogue`` section taken out), and
with the whole NRW OZG catalogue on the generic path. For each it prints the load time
(``load_region`` plus the submission contract the API builds from it, best of ``--repeat``), the
memory the loaded region holds (tracemalloc), and the cost of one routing decision
(``Router.destinations``) for the region's own services and, with the catalogue, for catalogued
keys. The ceiling of the same run is a bare dict lookup of a (service, AGS) pair in a table of the
region's routes: ratio = ceiling / lookup. Target: the per-request cost with the whole catalogue
within noise of the cost with 14 services (a lookup must not grow with the catalogue's size).
"""

from __future__ import annotations

import argparse
import json
import random
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


def _by_catalogue_size(region: Any, keys: list[str], bodies: list[str], lookups: int) -> dict[int, float]:
    """A catalogued lookup with the catalogue cut to 14, 500 and all of its entries."""
    from dataclasses import replace

    from hub.catalogue import Catalogue
    from hub.routing import Router
    from hub.routing.generic_path import service_id

    generic = region.generic
    out: dict[int, float] = {}
    for size in (14, 500, len(keys)):
        kept = keys[:: max(1, len(keys) // size)][:size]
        cut = Catalogue({k: generic.catalogue.entries[k] for k in kept}, generic.catalogue.source)
        router = Router(replace(region, generic=replace(generic, catalogue=cut)))
        chooser = random.Random(2)
        items = [(service_id(chooser.choice(kept)), chooser.choice(bodies)) for _ in range(5000)]
        out[size] = _per_call(router.destinations, items, lookups)
    return out


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
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.lookups, args.repeat)))
        return
    with tempfile.TemporaryDirectory(prefix="hub-bench-routing-") as tmp:
        small = _run(_without_catalogue(Path(tmp) / "own"), args.lookups, args.repeat)
        whole = _run(REGION, args.lookups, args.repeat)
    for label, figures in (("14 services", small), ("whole catalogue", whole)):
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
    sizes = ", ".join(f"{size} entries {seconds * 1e6:.2f} µs" for size, seconds in whole["by_size"].items())
    print(f"[generic path] a catalogued lookup with the catalogue cut to {sizes}")
    growth = whole["own_seconds"] / small["own_seconds"]
    print(f"per-request routing of the region's own services, whole catalogue / 14 services = {growth:.2f}")


if __name__ == "__main__":
    main()
