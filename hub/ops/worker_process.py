"""One worker process: build the hub, run its delivery workers and sweeper, stop within a deadline.

Signals are taken synchronously: SIGTERM and SIGINT are blocked in every thread (the mask is set
before any thread exists, and threads inherit it) and the main thread waits for them with
``sigwait``. So a stop request can arrive at any moment, start-up included, and is never lost nor
handled half-way: one that arrives while the hub is being built is found pending before the
workers start, and the process ends without starting them.

A stop gives the dramatiq worker ``HUB_WORKER_STOP_SECONDS`` to finish the attempts in flight
(prefetched messages go back to the broker); a watchdog ends the process a few seconds after that
deadline whatever still hangs. An attempt abandoned so keeps its lease in the database until it
expires, and the sweeper of any worker process sends it again: at-least-once holds.

A forked worker process (``hub worker --processes N``) must also end when its supervisor dies,
however it died (even SIGKILL, which the supervisor cannot pass on): see ``watch_supervisor``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import NoReturn

import structlog

from hub.config import Settings

log = structlog.get_logger(__name__)

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
STOP_MARGIN_SECONDS = 5.0
"""Past the stop deadline, time left for the dramatiq consumers, the sweeper and the pools to close."""

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def block_stop_signals(*extra: signal.Signals) -> None:
    """Hold SIGTERM and SIGINT (and ``extra``) pending in this thread and every thread it starts."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {*STOP_SIGNALS, *extra})


def watch_supervisor(supervisor_pid: int, lifeline_fd: int) -> None:
    """Make this forked process get SIGTERM when its supervisor dies, by three means.

    ``PR_SET_PDEATHSIG`` has the kernel send it (when the forking thread ends: the supervisor is
    single-threaded, so when the process ends); the parent pid is checked after setting it, since
    a supervisor that died before the call would go unnoticed; and a thread watches the read end
    of a pipe whose write end only the supervisor holds, which reads end-of-file when it is gone
    (for kernels or sandboxes where prctl fails).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            log.warning("pdeathsig_unavailable", errno=ctypes.get_errno())
    except (OSError, AttributeError):
        log.warning("pdeathsig_unavailable")
    if os.getppid() != supervisor_pid:
        exit_now(0)  # the supervisor is already gone: nothing to serve

    def watch() -> None:
        try:
            while os.read(lifeline_fd, 1):
                pass
        except OSError:
            pass
        log.warning("supervisor_gone", pid=os.getpid(), supervisor=supervisor_pid)
        os.kill(os.getpid(), signal.SIGTERM)  # the main thread's sigwait takes it like any stop

    threading.Thread(target=watch, name="hub-lifeline", daemon=True).start()


def run_worker_process(
    settings: Settings,
    *,
    on_ready: Callable[[], object],
    on_stopping: Callable[[], object] = lambda: None,
) -> None:
    """Serve deliveries until SIGTERM or SIGINT; the stop signals must already be blocked."""
    from hub.bootstrap import build

    pid = os.getpid()
    hub = build(settings, migrate=False, api=False, worker=True)
    if STOP_SIGNALS & signal.sigpending():
        log.info("worker_stopped_during_start_up", pid=pid)
        hub.close()
        return
    hub.start_worker(settings.worker_threads)
    log.info("worker_ready", pid=pid, threads=settings.worker_threads)
    on_ready()
    received = signal.sigwait(STOP_SIGNALS)
    on_stopping()
    log.info(
        "worker_stopping",
        pid=pid,
        signal=signal.Signals(received).name,
        deadline_seconds=settings.worker_stop_seconds,
    )
    watchdog = threading.Timer(settings.worker_stop_seconds + STOP_MARGIN_SECONDS, _abandon, args=(pid,))
    watchdog.daemon = True
    watchdog.start()
    hub.close()
    watchdog.cancel()
    log.info("worker_stopped", pid=pid)


def _abandon(pid: int) -> None:
    log.warning(
        "worker_stop_deadline_passed",
        pid=pid,
        detail="attempts still running are abandoned; their leases expire and the sweeper sends them again",
    )
    exit_now(0)


def exit_now(status: int) -> NoReturn:
    """End the process at once, output flushed: no atexit handlers, no joining of hung threads.

    A forked process must never return into the supervisor's code nor run the handlers it
    inherited from it; a stopped worker must not wait for a daemon thread stuck in a receiver.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken stream: nothing to save
            stream.flush()
    os._exit(status)
