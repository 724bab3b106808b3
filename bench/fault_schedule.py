"""What the fault suite injects, and when: a schedule laid over the load, run from the main thread.

A fault is either a moment (a SIGKILL, a flush, a restart; it ends when the broken part serves
again) or a period (a receiver misbehaving from :attr:`Slot.at` for :attr:`Slot.lasts` seconds,
then its rules are cleared). Receiver faults are scoped to one town's system, so while
one destination is hostile the others stay healthy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.fault_load import SteadyLoad
from bench.fault_topology import FaultModeUnsupported, Topology

PROGRESS_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Fault:
    """A moment (``inject`` breaks a part and returns once it serves again) or a receiver period
    (``rules`` are armed at the simulator for the period, then cleared)."""

    name: str
    inject: Callable[[Topology], str] | None = None
    rules: tuple[dict[str, Any], ...] = ()

    @property
    def is_period(self) -> bool:
        return bool(self.rules)


@dataclass
class Injected:
    """One fault as it happened, times in seconds since the load started."""

    name: str
    at: float
    ended: float = 0.0
    lines: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    """Receiver modes the simulator refused (not implemented there yet): they were not injected."""


def _receiver(name: str, *rules: dict[str, Any]) -> Fault:
    return Fault(name, rules=rules)


def catalogue(hostile: Sequence[str]) -> dict[str, Fault]:
    """Every fault the suite knows, by name; receiver faults go to the ``hostile`` towns' systems."""
    a, b, c = (hostile[i % len(hostile)] for i in range(3))
    return {
        "worker-child": Fault("worker-child", Topology.kill_worker_child),
        "receiver-503": _receiver("receiver-503", {"mode": "status", "status": 503, "system": a}),
        "api": Fault("api", Topology.kill_api),
        "receiver-timeout": _receiver("receiver-timeout", {"mode": "timeout", "system": b}),
        "redis": Fault("redis", Topology.flush_redis),
        "receiver-drop": _receiver("receiver-drop", {"mode": "drop", "system": c}),
        "worker-parent": Fault("worker-parent", Topology.kill_worker_parent),
        "receiver-trickle": _receiver("receiver-trickle", {"mode": "trickle", "intervalMs": 2000, "system": a}),
        "pg-restart": Fault("pg-restart", Topology.restart_postgres),
        "receiver-html": _receiver("receiver-html", {"mode": "html", "system": b}),
        "pg-terminate": Fault("pg-terminate", Topology.terminate_backends),
        "receiver-reset": _receiver("receiver-reset", {"mode": "reset", "system": c}),
        "receiver-latency": _receiver("receiver-latency", {"mode": "latency", "latencyMs": 3000, "system": a}),
        "receivers-mixed": _receiver(
            "receivers-mixed",
            {"mode": "trickle", "intervalMs": 2000, "system": a},
            {"mode": "html", "system": b},
            {"mode": "status", "status": 503, "system": c},
        ),
    }


FULL = (
    "worker-child",
    "receiver-503",
    "api",
    "receiver-timeout",
    "redis",
    "receiver-drop",
    "worker-parent",
    "receiver-trickle",
    "pg-restart",
    "receiver-html",
    "pg-terminate",
    "receiver-reset",
    "receiver-latency",
)
SHORT = ("worker-child", "redis", "receivers-mixed", "pg-terminate")


@dataclass(frozen=True)
class Slot:
    fault: Fault
    at: float
    lasts: float


def lay_out(faults: Sequence[Fault], load_seconds: float, period_seconds: float) -> list[Slot]:
    """Spread the faults evenly over the first 85 % of the load, so the last one ends while it runs."""
    if not faults:
        return []
    first, span = 0.1 * load_seconds, 0.75 * load_seconds
    step = span / max(len(faults) - 1, 1)
    lasts = min(period_seconds, 0.8 * step) if len(faults) > 1 else period_seconds
    return [Slot(f, first + i * step, lasts if f.is_period else 0.0) for i, f in enumerate(faults)]


def run_schedule(topology: Topology, slots: Sequence[Slot], load: SteadyLoad, began: float) -> list[Injected]:
    """Inject each fault at its time (seconds after ``began``, a monotonic instant), printing progress."""
    done: list[Injected] = []
    open_periods: list[tuple[float, Injected]] = []
    pending = list(slots)
    last_progress = 0.0
    while pending or open_periods:
        now = time.monotonic() - began
        if open_periods and open_periods[0][0] <= now:
            _, injected = open_periods.pop(0)
            injected.lines.append(topology.clear_receivers())
            injected.ended = time.monotonic() - began
            _say(injected.ended, f"{injected.name} over: {injected.lines[-1]}")
        elif pending and pending[0].at <= now and not open_periods:
            slot = pending.pop(0)
            injected = _inject(topology, slot.fault, now)
            done.append(injected)
            injected.ended = time.monotonic() - began
            if slot.lasts:
                open_periods.append((now + slot.lasts, injected))
        else:
            if now - last_progress >= PROGRESS_EVERY_SECONDS:
                last_progress = now
                _say(now, progress(load))
            time.sleep(0.05)
    return done


def _inject(topology: Topology, fault: Fault, now: float) -> Injected:
    injected = Injected(fault.name, now)
    if fault.inject is not None:
        injected.lines.append(fault.inject(topology))
    for rule in fault.rules:
        try:
            injected.lines.append(topology.arm_receiver(rule))
        except FaultModeUnsupported as exc:
            injected.unsupported.append(str(rule["mode"]))
            injected.lines.append(f"receiver mode {rule['mode']} NOT INJECTED, the simulator refused it: {exc}")
    for line in injected.lines:
        _say(now, f"{fault.name}: {line}")
    return injected


def progress(load: SteadyLoad) -> str:
    tally = load.tally
    return (
        f"load: {tally.started}/{load.total} posted, {len(tally.accepted)} accepted, "
        f"{tally.retries} retried posts, outcomes {dict(tally.outcomes)}"
    )


def _say(at: float, line: str) -> None:
    print(f"[{at:7.1f}s] {line}", flush=True)
