"""``hub worker --processes 2`` under signals: real processes on PostgreSQL and Redis.

The supervisor starts in its own session, so every process of the group shares its process group
id: "nothing left" means no live process in /proc with that group id, and each test's finalizer
SIGKILLs the whole group, so a failing test leaves nothing running. Every wait polls with a
deadline; the bounds are generous because the machine is shared and loaded: a worker process
takes a few seconds to start on an idle 2-core machine, so readiness gets 60 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from hub.config import PROJECT_ROOT
from hub.sim.kit.server import ServerThread
from tests.conftest import _truncate, make_settings, start_hub, stop_hub
from tests.support.cli import clean_environ
from tests.support.envelopes import sample
from tests.support.sealing import TEST_KEYRING
from tests.support.waiting import wait_for, wait_status

READY_SECONDS = 60.0
STOP_SECONDS = 10  # HUB_WORKER_STOP_SECONDS of the group: idle workers stop in about a second
GONE_SECONDS = STOP_SECONDS + 20.0  # the stop deadline, the supervisor's kill margin and slack


def group_members(pgid: int) -> set[int]:
    """Live (not zombie) processes whose process group is ``pgid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # ended while we looked
        if int(pgrp) == pgid and state not in "ZX":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in "ZX"  # a zombie has ended; whoever adopted it has not reaped it yet


class NotifySocket:
    """A stand-in for systemd's notify socket (abstract namespace, so no path length limit)."""

    def __init__(self) -> None:
        self.name = f"@hub-test-{uuid.uuid4().hex}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name[1:])
        self.sock.setblocking(False)
        self.received: list[str] = []

    def messages(self) -> list[str]:
        with contextlib.suppress(BlockingIOError):
            while True:
                self.received.append(self.sock.recv(4096).decode())
        return self.received


@dataclass
class WorkerGroup:
    """A ``hub worker --processes N`` started as an operator would, in its own process group."""

    proc: subprocess.Popen[bytes]
    processes: int
    ready_file: Path
    log_file: Path
    seen: set[int] = field(default_factory=set)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ready_workers(self) -> list[int]:
        """The worker pids of the ready file, once all N are ready; else an empty list."""
        try:
            state = json.loads(self.ready_file.read_text())
        except (OSError, ValueError):
            return []
        workers: list[int] = state["workers"]
        self.seen |= set(workers)
        return workers if len(workers) == self.processes else []

    def wait_ready(self) -> list[int]:
        return wait_for(self.ready_workers, timeout=READY_SECONDS, what="every worker process ready")

    def members(self) -> set[int]:
        found = group_members(self.pid)
        self.seen |= found - {self.pid}
        return found

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.log_file.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict) and entry.get("event") == name:
                    found.append(entry)
        return found

    def assert_nothing_left(self) -> None:
        wait_for(lambda: not self.members(), timeout=GONE_SECONDS, what="no process of the group")
        assert not [pid for pid in self.seen if alive(pid)], "a worker process outlived the group"

    def kill_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        for pid in self.seen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


StartGroup = Callable[..., WorkerGroup]


@pytest.fixture
def start_group(postgres_url: str, redis_url: str, region_dir: Path, tmp_path: Path) -> Iterator[StartGroup]:
    """Starts ``hub worker --processes N`` groups; kills whatever is left of them afterwards."""
    redis.Redis.from_url(redis_url).flushdb()
    groups: list[WorkerGroup] = []

    def start(processes: int = 2, **extra_env: str) -> WorkerGroup:
        ready_file = tmp_path / f"ready-{len(groups)}.json"
        log_file = tmp_path / f"worker-group-{len(groups)}.log"
        env = {
            **clean_environ(),
            "HUB_DATABASE_URL": postgres_url,
            "HUB_DATA_KEYS": TEST_KEYRING,
            "HUB_BROKER_URL": redis_url,
            "HUB_CONFIG_DIR": str(region_dir),
            "HUB_SCHEMA_PATH": os.environ.get("HUB_SCHEMA_PATH", ""),
            "HUB_LOG_FORMAT": "json",
            "HUB_LOG_LEVEL": "INFO",
            "HUB_WORKER_STOP_SECONDS": str(STOP_SECONDS),
            "HUB_SWEEP_INTERVAL_SECONDS": "0.3",
            "HUB_REQUEUE_AFTER_SECONDS": "2",
            **extra_env,
        }
        args = [sys.executable, "-m", "hub", "worker", "--processes", str(processes), "--threads", "2"]
        with log_file.open("wb") as log:
            proc = subprocess.Popen(
                [*args, "--ready-file", str(ready_file)],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        group = WorkerGroup(proc, processes, ready_file, log_file)
        groups.append(group)
        return group

    yield start
    for group in groups:
        group.kill_all()


def test_sigterm_to_the_parent_stops_every_worker_process(start_group: StartGroup) -> None:
    # Given a group of two worker processes under a supervisor, ready, run as a Type=notify unit
    notify = NotifySocket()
    group = start_group(NOTIFY_SOCKET=notify.name)
    workers = group.wait_ready()
    assert len(set(workers)) == 2
    assert group.pid not in workers, "the supervisor does no delivery work itself"
    assert group.members() == {group.pid, *workers}
    wait_for(lambda: any(m.startswith("READY=1") for m in notify.messages()), what="READY=1 on the notify socket")

    # When the parent gets SIGTERM
    group.proc.send_signal(signal.SIGTERM)

    # Then every worker stops within its deadline, the parent exits 0 and no process is left
    assert group.proc.wait(timeout=GONE_SECONDS) == 0, group.log_file.read_text()
    group.assert_nothing_left()
    assert {e["pid"] for e in group.events("worker_stopped")} == set(workers)
    assert "STOPPING=1" in notify.messages()
    assert not group.ready_file.exists()


def test_sigterm_during_start_up_stops_the_group_cleanly(start_group: StartGroup) -> None:
    # Given a supervisor whose two worker processes are forked but still starting up
    group = start_group()
    wait_for(lambda: len(group.members()) == 3, timeout=READY_SECONDS, what="both worker processes forked")
    assert not group.ready_workers(), "the workers should still be starting"

    # When the parent gets SIGTERM
    group.proc.send_signal(signal.SIGTERM)

    # Then the group stops: the parent exits 0 and neither child is left running
    assert group.proc.wait(timeout=GONE_SECONDS) == 0, group.log_file.read_text()
    group.assert_nothing_left()
    assert len(group.events("worker_exited")) == 2
    assert not group.events("worker_killed"), "a starting worker must stop without being killed"


def test_sigterm_at_once_after_spawn_leaves_no_process(start_group: StartGroup) -> None:
    # Given a supervisor started a moment ago (perhaps not even past the interpreter's start-up)
    group = start_group()

    # When it gets SIGTERM at once
    group.proc.send_signal(signal.SIGTERM)

    # Then it ends, cleanly if it had already blocked the signal, and forked nothing that outlives it
    assert group.proc.wait(timeout=GONE_SECONDS) in (0, -signal.SIGTERM), group.log_file.read_text()
    group.assert_nothing_left()


def test_children_end_by_themselves_when_the_parent_is_killed(start_group: StartGroup) -> None:
    # Given a ready group of two worker processes
    group = start_group()
    workers = group.wait_ready()

    # When the parent is killed with SIGKILL (it cannot pass anything on)
    group.proc.send_signal(signal.SIGKILL)
    group.proc.wait(timeout=10)

    # Then both children notice and stop by themselves within the stop deadline
    wait_for(lambda: not any(alive(p) for p in workers), timeout=GONE_SECONDS, what="the orphaned workers to end")
    group.assert_nothing_left()
    assert {e["pid"] for e in group.events("worker_stopped")} == set(workers)


def test_a_killed_child_is_respawned_and_deliveries_still_flow(
    start_group: StartGroup,
    postgres_url: str,
    redis_url: str,
    region_dir: Path,
    backoffice: ServerThread,
    sim: httpx.Client,
) -> None:
    # Given a ready group of two worker processes, and the API on the same database and broker
    _truncate(postgres_url)
    api = start_hub(make_settings(postgres_url, region_dir, broker_url=redis_url), run_worker=False)
    try:
        group = start_group()
        workers = group.wait_ready()

        # When one child is killed with SIGKILL
        victim, survivor = workers
        os.kill(victim, signal.SIGKILL)

        # Then the supervisor logs its end and respawns a new child, which becomes ready
        def replaced() -> list[int]:
            ready = group.ready_workers()
            return ready if ready and victim not in ready else []

        respawned = wait_for(replaced, timeout=READY_SECONDS, what="a respawned worker process ready")
        assert survivor in respawned
        (newcomer,) = set(respawned) - {survivor}
        assert alive(newcomer)
        assert newcomer != victim
        (exited,) = group.events("worker_exited")
        assert exited["pid"] == victim
        assert exited["signal"] == "SIGKILL"
        assert exited["respawn_in_seconds"] == 1.0
        assert group.members() == {group.pid, survivor, newcomer}

        # And a submission posted now is delivered by the group
        submission_id = api.api.post("/v1/submissions", json=sample()).json()["id"]
        wait_status(api, submission_id, "delivered", timeout=60)
        assert len(sim.get("/_sim/messages").json()) == 1
    finally:
        stop_hub(api)


def test_a_child_crashing_at_start_up_is_respawned_with_a_growing_back_off(
    start_group: StartGroup, tmp_path: Path
) -> None:
    # Given a group whose workers cannot start (their region config is missing)
    group = start_group(HUB_CONFIG_DIR=str(tmp_path / "no-such-region"))

    # When each slot's child has crashed three times
    def exits() -> list[dict[str, Any]]:
        found = group.events("worker_exited")
        return found if all(len([e for e in found if e["slot"] == s]) >= 3 for s in (0, 1)) else []

    ended = wait_for(exits, timeout=READY_SECONDS, what="three crashes in each slot")

    # Then each respawn waited twice as long as the one before, and a SIGTERM still stops the group
    for slot in (0, 1):
        crashes = [e for e in ended if e["slot"] == slot][:3]
        assert [e["exit_code"] for e in crashes] == [1, 1, 1]
        assert [e["respawn_in_seconds"] for e in crashes] == [1.0, 2.0, 4.0]
    assert group.events("worker_failed")
    group.proc.send_signal(signal.SIGTERM)
    assert group.proc.wait(timeout=GONE_SECONDS) == 0, group.log_file.read_text()
    group.assert_nothing_left()
