"""``hub worker --processes N``: forks N processes and stops them all on SIGTERM to the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hub.config import PROJECT_ROOT
from hub.store.db import Database
from tests.support.region import write_region
from tests.support.waiting import wait_for


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_sigterm_to_the_parent_stops_every_worker_process(tmp_path: Path, redis_url: str) -> None:
    # Given a migrated database and two worker processes on Redis
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    Database(url).upgrade()
    env = {
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_BROKER_URL": redis_url,
        "HUB_CONFIG_DIR": str(write_region(tmp_path / "region", "http://127.0.0.1:9")),
        "HUB_LOG_LEVEL": "WARNING",
    }
    args = [sys.executable, "-m", "hub", "worker", "--processes", "2", "--threads", "1"]
    parent = subprocess.Popen(args, env=env, cwd=PROJECT_ROOT)
    try:
        child = wait_for(lambda: children_of(parent.pid), what="the forked worker")[0]

        # When the parent gets SIGTERM
        time.sleep(1)  # let both install their signal handlers
        parent.send_signal(signal.SIGTERM)

        # Then the parent and its child both end
        assert parent.wait(timeout=20) == 0
        wait_for(lambda: not Path(f"/proc/{child}").exists(), timeout=5, what="the child to end")
    finally:
        if parent.poll() is None:
            parent.kill()
