"""The production topology the fault suite runs and breaks, each part a process of its own.

PostgreSQL and Redis of the suite's own (:mod:`bench.fault_services`), the hub's API
(``hub serve``), one ``hub worker --processes N`` group and the REST back-office simulator
(``hub sim backoffice``), which stands in for the ten towns' Fachverfahren: each town is a
destination of its own (``/systems/{slug}/messages``), so a fault rule scoped to one town's system
makes that destination hostile while the others stay healthy.

Each fault method does one thing a real deployment suffers and returns a line saying what it did.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import free_port, wait_http
from bench.fault_services import READY_SECONDS, ManagedProcess, OwnPostgres, OwnRedis, children_of, members_of
from bench.intake import KEY
from hub.store.clients import ClientStore
from hub.store.db import Database

PORTAL = "fault-suite-portal"


class FaultModeUnsupported(Exception):
    """The simulator refused a fault rule (a mode it does not implement yet)."""


@dataclass
class Topology:
    """All processes of one fault-suite run under ``work`` (logs, the database cluster)."""

    work: Path
    worker_processes: int = 2
    threads: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    postgres: OwnPostgres = field(init=False)
    redis: OwnRedis = field(init=False)
    api_port: int = field(default_factory=free_port)
    sim_port: int = field(default_factory=free_port)
    api: ManagedProcess | None = None
    workers: ManagedProcess | None = None
    simulator: ManagedProcess | None = None

    def __post_init__(self) -> None:
        # The postgres OS user must reach its cluster folder inside the suite's (root-owned) folder.
        self.work.chmod(0o755)
        self.postgres = OwnPostgres(self.work / "pg")
        (self.work / "redis").mkdir(exist_ok=True)
        self.redis = OwnRedis(self.work / "redis")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    def env(self) -> dict[str, str]:
        """What every hub process is started with: only the suite's own servers, quiet logs."""
        return {
            "HUB_DATABASE_URL": self.postgres.url,
            "HUB_BROKER_URL": self.redis.url,
            "HUB_BACKOFFICE_URL": self.sim_url,
            "HUB_WORKER_THREADS": str(self.threads),
            "HUB_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    def _hub(self, *args: str, log: str) -> ManagedProcess:
        return ManagedProcess([sys.executable, "-m", "hub", *args], self.env(), self.work / log)

    def start(self) -> None:
        self.postgres.start()
        self.redis.start()
        db = Database(self.postgres.url)
        try:
            db.upgrade()
            ClientStore(db).create(PORTAL, ["*"], key=KEY)
        finally:
            db.dispose()
        self.simulator = self._hub("sim", "backoffice", "--port", str(self.sim_port), log="simulator.log").start()
        wait_http(f"{self.sim_url}/healthz", READY_SECONDS)
        api_args = ("serve", "--port", str(self.api_port), "--no-worker")
        self.api = self._hub(*api_args, log="api.log").start()
        wait_http(f"{self.api_url}/readyz", READY_SECONDS)
        worker_args = ("worker", "--processes", str(self.worker_processes), "--threads", str(self.threads))
        self.workers = self._hub(*worker_args, log="workers.log").start()
        self.wait_worker_children()

    def stop(self) -> None:
        for part in (self.workers, self.api, self.simulator):
            if part is not None:
                part.stop()
        self.redis.stop()
        self.postgres.stop()

    # -- the hub's processes -------------------------------------------------------------------

    def worker_children(self) -> list[int]:
        assert self.workers is not None
        return children_of(self.workers.pid)

    def wait_worker_children(self) -> list[int]:
        """The forked children of the worker parent, once there are ``worker_processes - 1`` or more.

        (Today's ``hub worker`` parent delivers too and forks N - 1; a supervising parent forks N.)
        """
        deadline = time.monotonic() + READY_SECONDS
        while True:
            found = self.worker_children()
            if len(found) >= self.worker_processes - 1 or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def orphaned_workers(self) -> list[int]:
        """Worker processes still alive from groups whose parent the suite killed."""
        assert self.workers is not None
        return members_of(self.workers.groups[:-1])

    def kill_worker_child(self) -> str:
        children = self.worker_children()
        if not children:
            return "no worker child to kill (the group runs at reduced strength)"
        os.kill(children[0], signal.SIGKILL)
        return f"SIGKILL worker child {children[0]} (parent {self.workers.pid if self.workers else '?'})"

    def kill_worker_parent(self) -> str:
        """SIGKILL the worker parent and start a new group, as systemd's Restart=always would."""
        assert self.workers is not None
        orphans = self.worker_children()
        pid = self.workers.kill()
        self.workers.restart()
        self.wait_worker_children()
        return f"SIGKILL worker parent {pid} (its children then: {orphans}), started a new group {self.workers.pid}"

    def kill_api(self) -> str:
        assert self.api is not None
        pid = self.api.kill()
        started = time.monotonic()
        self.api.restart()
        wait_http(f"{self.api_url}/healthz", READY_SECONDS)
        return f"SIGKILL API {pid}, restarted as {self.api.pid}, serving again after {time.monotonic() - started:.1f}s"

    def flush_redis(self) -> str:
        keys = self.redis.flush_and_restart()
        return f"Redis FLUSHALL ({keys} keys gone), SIGKILL and restart"

    def restart_postgres(self) -> str:
        started = time.monotonic()
        self.postgres.restart()
        return f"PostgreSQL pg_ctl restart -m fast, back after {time.monotonic() - started:.1f}s"

    def terminate_backends(self) -> str:
        return f"pg_terminate_backend: {self.postgres.terminate_backends()} sessions of the hub cut"

    # -- the receivers -------------------------------------------------------------------------

    def arm_receiver(self, rule: dict[str, Any]) -> str:
        """Post one fault rule to the simulator (scoped to a system, until cleared)."""
        answer = httpx.post(f"{self.sim_url}/_sim/faults", json=rule, timeout=10)
        if answer.status_code == 400:
            raise FaultModeUnsupported(answer.json().get("detail", answer.text))
        answer.raise_for_status()
        return f"receiver {rule.get('system')}: {rule['mode']} {_rule_detail(rule)}".rstrip()

    def clear_receivers(self) -> str:
        httpx.delete(f"{self.sim_url}/_sim/faults", timeout=10).raise_for_status()
        return "receiver faults cleared"

    def receiver_stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = httpx.get(f"{self.sim_url}/_sim/stats", timeout=30).json()
        return stats

    def receiver_message_ids(self) -> set[str]:
        messages = httpx.get(f"{self.sim_url}/_sim/messages", timeout=60).json()
        return {m["messageId"] for m in messages}


def _rule_detail(rule: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in rule.items() if k not in ("mode", "system"))
