"""The fault suite's own PostgreSQL and Redis, and the processes it starts, kills and restarts.

Everything listens on a free loopback port of its own, never on the machine's shared 5432 or 6379,
so the suite may kill, flush and restart these servers as it pleases. PostgreSQL refuses to run as
root: as root, ``initdb`` and ``pg_ctl`` run as the ``postgres`` OS user in a folder it owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from bench.common import free_port
from hub.config import PROJECT_ROOT

STOP_GRACE_SECONDS = 15.0
READY_SECONDS = 60.0
"""How long a server may take to (re)start on a loaded 2-core machine before the suite gives up."""


def _postgres_bin() -> Path:
    override = os.environ.get("HUB_FAULTS_PG_BIN")
    if override:
        return Path(override)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (set HUB_FAULTS_PG_BIN)")
    return found[-1].parent


@dataclass
class ManagedProcess:
    """One process the suite started, in a session of its own so that its whole group can be ended.

    A group outlives its leader: children a killed ``hub worker`` parent forked keep its group id,
    so :meth:`stop` ends them too, by the id of a group this suite created.
    """

    args: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    groups: list[int] = field(default_factory=list)

    def start(self) -> ManagedProcess:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                env={**os.environ, **self.env},
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.groups.append(self.proc.pid)
        return self

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.args[:3]} is not running")
        return self.proc.pid

    def kill(self) -> int:
        """SIGKILL the leader only (what a crash or the OOM killer does); returns its pid."""
        pid = self.pid
        os.kill(pid, signal.SIGKILL)
        assert self.proc is not None
        self.proc.wait(timeout=STOP_GRACE_SECONDS)
        return pid

    def restart(self) -> ManagedProcess:
        return self.start()

    def stop(self) -> None:
        for group in self.groups:
            _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            if self.proc is not None:
                self.proc.poll()  # reaps our own child: a zombie would keep its group "alive"
            if not any(_group_alive(g) for g in self.groups):
                break
            time.sleep(0.05)
        for group in self.groups:
            _signal_group(group, signal.SIGKILL)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.wait(timeout=STOP_GRACE_SECONDS)


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def members_of(groups: list[int]) -> list[int]:
    """Live (not zombie) processes in any of these process groups (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


@dataclass
class OwnPostgres:
    """A throw-away PostgreSQL cluster in ``root``; ``url`` is what the hub's processes use."""

    root: Path
    port: int = field(default_factory=free_port)
    database: str = "hub"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def _admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres connect_timeout=5"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(_postgres_bin() / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=120)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", action, "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", *extra)

    def start(self) -> OwnPostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self._ctl("start")
        with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        return self

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut, the server is down for a moment."""
        self._ctl("restart", "-m", "fast")

    def terminate_backends(self) -> int:
        """``pg_terminate_backend`` for every session on the hub's database; returns how many."""
        with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchone()
        return int(row[0]) if row else 0

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.data, ignore_errors=True)


@dataclass
class OwnRedis:
    """A Redis server without persistence, as a child process of the suite."""

    root: Path
    port: int = field(default_factory=free_port)
    process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.root)]
        self.process = ManagedProcess(args, {}, self.root / "redis.log").start()
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        client = redis.Redis.from_url(self.url, socket_timeout=2)
        deadline = time.monotonic() + READY_SECONDS
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.RedisError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def flush_and_restart(self) -> int:
        """FLUSHALL (every queued message is gone), then SIGKILL and start it again on the same port.

        Returns how many keys the flush removed.
        """
        client = redis.Redis.from_url(self.url, socket_timeout=5)
        try:
            keys = int(client.dbsize())
            client.flushall()
        finally:
            client.close()
        assert self.process is not None
        self.process.kill()
        self.process.restart()
        self.wait_ready()
        return keys

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
