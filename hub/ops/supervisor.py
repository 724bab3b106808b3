"""``hub worker --processes N``: a supervisor that forks N worker processes and keeps N running.

The supervisor does no delivery work. It holds no threads, database connections or broker
consumers, so forking again at any time (a respawn) is safe, and nothing in it can hang on a
receiver: it only forks, reaps, publishes readiness and stops the group. With ``--processes 1``
there is no supervisor: the one worker process is the main process, and systemd (or whoever
started it) is its supervisor.

- **Signals** SIGTERM, SIGINT (stop), SIGCHLD (a child ended) and SIGUSR1 (a child is ready) are
  blocked before the first fork and taken with ``sigtimedwait``: a stop at any moment, while
  children are being forked or are still starting up, stays pending until the loop takes it.
- **Children die with the supervisor**, whatever killed it: ``worker_process.watch_supervisor``.
- **A child that dies is respawned** after a back-off per slot (1 s, doubling to 30 s; back to
  1 s once a child has run a minute), so one that crashes at start-up does not spin. Each exit is
  logged (``worker_exited``) with the pid, exit code or signal, and the respawn delay.
- **Stop**: the children get SIGTERM and ``HUB_WORKER_STOP_SECONDS`` to finish their attempts;
  one still alive after that deadline plus a margin is killed with SIGKILL; the supervisor then
  exits 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import structlog

from hub.config import Settings
from hub.logging import configure
from hub.ops.readiness import Readiness
from hub.ops.worker_process import (
    STOP_MARGIN_SECONDS,
    STOP_SIGNALS,
    block_stop_signals,
    exit_now,
    run_worker_process,
    watch_supervisor,
)

log = structlog.get_logger(__name__)

SUPERVISOR_SIGNALS = frozenset({*STOP_SIGNALS, signal.SIGCHLD, signal.SIGUSR1})
RESPAWN_FIRST_SECONDS = 1.0
RESPAWN_MAX_SECONDS = 30.0
RESPAWN_RESET_AFTER_SECONDS = 60.0
"""A child that ran this long before dying is respawned after the first delay again."""
KILL_MARGIN_SECONDS = 2 * STOP_MARGIN_SECONDS
"""Past the stop deadline, how long the supervisor waits for a child's own watchdog before SIGKILL."""
IDLE_WAKE_SECONDS = 60.0


@dataclass
class _Slot:
    """One of the N places a worker process runs in, with its respawn back-off."""

    index: int
    pid: int | None = None
    started: float = 0.0
    delay: float = 0.0
    respawn_at: float | None = None


class Supervisor:
    def __init__(self, settings: Settings, processes: int, readiness: Readiness) -> None:
        self.settings = settings
        self.readiness = readiness
        self.slots = [_Slot(i) for i in range(processes)]
        self.ready: set[int] = set()
        self.stopping = False
        self._lifeline_r, self._lifeline_w = os.pipe()
        self._ready_r, self._ready_w = os.pipe()
        os.set_blocking(self._ready_r, False)

    def run(self) -> int:
        """Supervise until SIGTERM or SIGINT; the exit status. ``SUPERVISOR_SIGNALS`` must be blocked."""
        log.info("supervisor_started", pid=os.getpid(), processes=len(self.slots))
        for slot in self.slots:
            self._spawn(slot)
        while True:
            info = signal.sigtimedwait(SUPERVISOR_SIGNALS, self._next_wake())
            if info is not None and info.si_signo in STOP_SIGNALS:
                break
            self._reap()
            self._take_ready()
            self._respawn_due()
        self._stop(signal.Signals(info.si_signo).name)
        return 0

    # -- children -------------------------------------------------------------------------------

    def _spawn(self, slot: _Slot) -> None:
        supervisor = os.getpid()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else the child would write the parent's buffered output again
        pid = os.fork()
        if pid == 0:
            self._be_child(supervisor)
        slot.pid, slot.started, slot.respawn_at = pid, time.monotonic(), None
        log.info("worker_spawned", pid=pid, slot=slot.index)

    def _be_child(self, supervisor: int) -> NoReturn:
        try:
            os.close(self._lifeline_w)
            os.close(self._ready_r)
            signal.pthread_sigmask(signal.SIG_SETMASK, STOP_SIGNALS)  # SIGCHLD and SIGUSR1 as usual again
            watch_supervisor(supervisor, self._lifeline_r)
            run_worker_process(self.settings, on_ready=lambda: self._tell_ready(supervisor))
        except BaseException:  # a child never returns into the supervisor's code, whatever happens
            log.exception("worker_failed", pid=os.getpid())
            exit_now(1)
        exit_now(0)

    def _tell_ready(self, supervisor: int) -> None:
        os.write(self._ready_w, f"{os.getpid()}\n".encode())
        if os.getppid() == supervisor:  # never signal whoever adopted an orphan
            os.kill(supervisor, signal.SIGUSR1)

    def _take_ready(self) -> None:
        try:
            data = os.read(self._ready_r, 65536)
        except BlockingIOError:
            return
        live = {s.pid for s in self.slots}
        self.ready |= {int(line) for line in data.split()} & live
        self.readiness.update(self.ready)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._ended(pid, status)

    def _ended(self, pid: int, status: int) -> None:
        slot = next((s for s in self.slots if s.pid == pid), None)
        if slot is None:
            return
        now = time.monotonic()
        ran = now - slot.started
        slot.pid = None
        self.ready.discard(pid)
        self.readiness.update(self.ready)
        code = os.waitstatus_to_exitcode(status)
        ended = {
            "pid": pid,
            "slot": slot.index,
            "exit_code": code if code >= 0 else None,
            "signal": signal.Signals(-code).name if code < 0 else None,
        }
        if self.stopping:
            log.info("worker_exited", **ended, ran_seconds=round(ran, 1))
            return
        if ran >= RESPAWN_RESET_AFTER_SECONDS or slot.delay == 0:
            slot.delay = RESPAWN_FIRST_SECONDS
        else:
            slot.delay = min(slot.delay * 2, RESPAWN_MAX_SECONDS)
        slot.respawn_at = now + slot.delay
        log.warning("worker_exited", **ended, ran_seconds=round(ran, 1), respawn_in_seconds=slot.delay)

    def _respawn_due(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if slot.pid is None and slot.respawn_at is not None and slot.respawn_at <= now:
                self._spawn(slot)

    def _next_wake(self) -> float:
        due = [s.respawn_at for s in self.slots if s.pid is None and s.respawn_at is not None]
        if not due:
            return IDLE_WAKE_SECONDS
        return max(0.0, min(due) - time.monotonic())

    # -- stopping -------------------------------------------------------------------------------

    def _stop(self, reason: str) -> None:
        self.stopping = True
        self.readiness.stopping()
        live = self._live()
        log.info("workers_stopping", signal=reason, pids=live, deadline_seconds=self.settings.worker_stop_seconds)
        for pid in live:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.worker_stop_seconds + KILL_MARGIN_SECONDS
        self._reap()
        while self._live() and (left := deadline - time.monotonic()) > 0:
            signal.sigtimedwait({signal.SIGCHLD}, left)
            self._reap()
        for pid in self._live():
            log.warning("worker_killed", pid=pid, detail="still running after the stop deadline")
            _signal(pid, signal.SIGKILL)
            self._ended(*os.waitpid(pid, 0))
        self.readiness.close()
        os.close(self._lifeline_w)
        log.info("supervisor_stopped", pid=os.getpid())

    def _live(self) -> list[int]:
        return [s.pid for s in self.slots if s.pid is not None]


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # ended meanwhile; reaped in the loop
        os.kill(pid, sig)


def block_signals(processes: int) -> None:
    """Hold the signals ``hub worker`` takes synchronously; the first thing it does."""
    block_stop_signals(*(SUPERVISOR_SIGNALS if processes > 1 else ()))


def run_workers(settings: Settings, processes: int, *, threads: int | None, ready_file: Path | None) -> int:
    """``hub worker``: N supervised worker processes, or one in this process; the exit status.

    ``--threads`` and ``--ready-file`` win over their variables. The signals must be blocked
    (``block_signals``) before anything else, so that no SIGTERM since start-up is lost.
    """
    overrides = {"worker_threads": threads, "worker_ready_file": ready_file}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v})
    configure(settings.log_level, settings.log_format)
    readiness = Readiness(processes, settings.worker_ready_file)
    if processes > 1:
        return Supervisor(settings, processes, readiness).run()
    try:
        run_worker_process(
            settings,
            on_ready=lambda: readiness.update({os.getpid()}),
            on_stopping=readiness.stopping,
        )
    finally:
        readiness.close()
    exit_now(0)  # a thread stuck in a receiver must not hold the stopped process
