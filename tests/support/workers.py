"""``hub worker`` processes for the production-topology tests (PostgreSQL, Redis broker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from hub.config import PROJECT_ROOT
from tests.support.sealing import TEST_KEYRING
from tests.support.waiting import wait_for


def worker_env(database_url: str, redis_url: str, region: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_KEYS": TEST_KEYRING,
        "HUB_BROKER_URL": redis_url,
        "HUB_CONFIG_DIR": str(region),
        "HUB_REQUEUE_AFTER_SECONDS": "2",
        "HUB_SWEEP_INTERVAL_SECONDS": "0.3",
        "HUB_LOG_FORMAT": "json",
        **extra,
    }


class Workers:
    """``hub worker`` processes sharing the test's environment; each log in its own file."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def log_of(self, n: int) -> Path:
        return self.log_dir / f"worker-{n}.log"

    def start(self, threads: int = 4, *, ready: bool = True) -> subprocess.Popen[bytes]:
        """Start one; with ``ready``, return once its delivery threads run (its ``worker_started`` line)."""
        n = len(self.procs)
        log = open(self.log_of(n), "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub", "worker", "--threads", str(threads)],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        if ready:
            wait_for(
                lambda: proc.poll() is not None or b"worker_started" in self.log_of(n).read_bytes(),
                timeout=60,
                what=f"worker {n} ready",
            )
            assert proc.poll() is None, self.log_of(n).read_text(errors="replace")[-3000:]
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
