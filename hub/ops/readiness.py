"""How ``hub worker`` tells the world its workers are ready: systemd's notify socket and a ready file.

Both are written only by the main process (the supervisor, or the one worker process when there
is no supervisor), since systemd accepts notifications from the main pid alone by default.

- ``NOTIFY_SOCKET`` set (a ``Type=notify`` unit): ``READY=1`` once every worker process is ready,
  ``STATUS=`` lines as workers come and go, ``STOPPING=1`` when the group is asked to stop.
- A ready file (``--ready-file`` or ``HUB_WORKER_READY_FILE``): JSON
  ``{"pid": main pid, "processes": N, "workers": [pids of the ready worker processes]}``, replaced
  atomically on every change and removed when the group has stopped. Scripts and tests poll it
  for ``len(workers) == processes`` instead of sleeping.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


def sd_notify(message: str) -> bool:
    """Send one notification to systemd; False when not run by systemd (no ``NOTIFY_SOCKET``)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket name
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        # Readiness is advisory: a worker that cannot say it is ready still delivers.
        log.warning("sd_notify_failed", error=exc.__class__.__name__)
        return False
    return True


class Readiness:
    """The readiness of a group of ``processes`` worker processes, published as it changes."""

    def __init__(self, processes: int, ready_file: Path | None) -> None:
        self.processes = processes
        self.ready_file = ready_file
        self._ready: tuple[int, ...] | None = None
        self._announced = False

    def update(self, ready_pids: Iterable[int]) -> None:
        ready = tuple(sorted(ready_pids))
        if ready == self._ready:
            return
        self._ready = ready
        if self.ready_file is not None:
            _write(self.ready_file, self.processes, ready)
        complete = len(ready) >= self.processes
        if complete:
            log.info("workers_ready", pids=list(ready), processes=self.processes)
        status = f"STATUS={len(ready)} of {self.processes} worker processes ready"
        if complete and not self._announced:
            self._announced = True
            sd_notify(f"READY=1\n{status}")
        else:
            sd_notify(status)

    def stopping(self) -> None:
        sd_notify("STOPPING=1")

    def close(self) -> None:
        if self.ready_file is not None:
            self.ready_file.unlink(missing_ok=True)


def _write(path: Path, processes: int, ready: tuple[int, ...]) -> None:
    body = json.dumps({"pid": os.getpid(), "processes": processes, "workers": list(ready)})
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_text(body, encoding="utf-8")
    os.replace(staged, path)  # readers never see half a file
