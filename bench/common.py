"""Shared pieces of the benchmarks: processes, databases, the payload."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

from hub.config import PROJECT_ROOT

POSTGRES_ADMIN_URL = os.environ.get("HUB_BENCH_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POSTGRES_URL = os.environ.get("HUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hub_bench")
REDIS_URL = os.environ.get("HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "hundesteuer-anmeldung.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def payload() -> bytes:
    return json.dumps(json.loads(SAMPLE.read_text(encoding="utf-8"))).encode()


def fresh_postgres() -> str:
    """Recreate the benchmark database so every run starts empty."""
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = make_url(POSTGRES_URL).database
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return POSTGRES_URL


def encryption_env(on: bool) -> dict[str, str]:
    """The hub's environment for encryption at rest: a fresh random keyring (on) or none (off)."""
    if not on:
        return {}
    from hub.sealing import Keyring, generate_key

    return {"HUB_DATA_KEYS": Keyring("bench", {"bench": generate_key()}).to_json().decode()}


def fresh_sqlite(directory: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        (directory / f"bench.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{directory / 'bench.db'}"


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass(frozen=True)
class Served:
    port: int
    pid: int


@contextmanager
def server(which: str, env: dict[str, str], log_dir: Path) -> Iterator[Served]:
    port = free_port()
    args = [sys.executable, "-m", "bench.servers", which, "--port", str(port)]
    with process(args, env, log_dir / f"{which}-{port}.log") as proc:
        wait_http(f"http://127.0.0.1:{port}/openapi.json")
        yield Served(port, proc.pid)


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout}s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its reaped children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:15]) / ticks


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_by_command(*names: str) -> dict[str, float]:
    """CPU seconds used so far by all live processes with these command names (e.g. postgres)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = dict.fromkeys(names, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        for name in names:
            if comm.startswith(name):
                fields = raw.rsplit(")", 1)[1].split()
                out[name] += sum(int(f) for f in fields[11:13]) / ticks
    return out
