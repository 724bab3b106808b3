"""The deadline of one delivery attempt: connect, send and the whole answer, across every request.

A per-read timeout does not bound an attempt: a receiver that trickles one byte every few
seconds never trips it. So the worker opens an :func:`attempt_deadline` around each
``Connector.send``, and every transport a connector uses consults :func:`current_deadline`:

- before each request: ``deadline.timeout(configured)`` caps connect/read/write timeouts by what is
  left of the attempt (and raises :class:`AttemptTimeout` when nothing is left);
- while an answer streams in: ``deadline.count(n)`` caps its size (:class:`AnswerTooLarge`);
- for a call that may block past the deadline (a read on a trickling socket), the transport
  registers an abort with ``deadline.on_expiry(fn)``: one watchdog thread for the whole process
  calls it when the deadline passes (shutting the socket down unblocks the read at once).

Errors, both transient (retried by the destination's policy)::

    TransientError
    ├── AttemptTimeout   the attempt outlived its deadline
    └── AnswerTooLarge   the answer exceeded the destination's cap
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable

import structlog

from hub.errors import TransientError

log = structlog.get_logger(__name__)

DEFAULT_ATTEMPT_SECONDS = 30.0
DEFAULT_MAX_ANSWER_BYTES = 1 << 20


class AttemptTimeout(TransientError):
    """The attempt (all of its requests and answers) took longer than the destination allows."""


class AnswerTooLarge(TransientError):
    """The receiver's answer is larger than the destination's ``maxAnswerBytes``."""


_aborts_lock = threading.Lock()
"""Guards every deadline's aborts: registrations are rare (once per connection an attempt uses)."""
_abort_keys = itertools.count()


class Deadline:
    """When one attempt must be over, and how large its answers may be.

    A plain class with slots, made once per attempt on the delivery hot path: no lock or dict of
    its own until an abort is registered.
    """

    __slots__ = ("_aborts", "_expired", "clock", "expires_at", "max_answer_bytes", "seconds")

    def __init__(
        self,
        seconds: float,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        clock: Callable[[], float] = time.monotonic,
        expires_at: float = 0.0,
    ) -> None:
        self.seconds = seconds
        self.max_answer_bytes = max_answer_bytes
        self.clock = clock
        self.expires_at = expires_at or clock() + seconds
        self._aborts: dict[int, Callable[[], None]] | None = None
        self._expired = False

    @property
    def expired(self) -> bool:
        return self._expired or self.clock() >= self.expires_at

    def exceeded(self) -> AttemptTimeout:
        """The error to raise for this deadline, once it has passed."""
        return AttemptTimeout(f"attempt deadline of {self.seconds:g} s exceeded")

    def remaining(self) -> float:
        """Seconds left; raises :class:`AttemptTimeout` when none are."""
        left = self.expires_at - self.clock()
        if left <= 0 or self._expired:
            raise self.exceeded()
        return left

    def timeout(self, configured: float | None) -> float:
        """A per-operation timeout no longer than what is left of the attempt."""
        left = self.remaining()
        return left if configured is None else min(configured, left)

    def count(self, received: int) -> None:
        """Check an answer's size so far (bytes) against the cap, and the time left."""
        if received > self.max_answer_bytes:
            raise AnswerTooLarge(f"answer larger than {self.max_answer_bytes} bytes")
        self.remaining()

    def on_expiry(self, abort: Callable[[], None]) -> Callable[[], None]:
        """Have ``abort`` called (from the watchdog thread) if the deadline passes first; returns
        the function that unregisters it. Called at once if the deadline has already passed."""
        with _aborts_lock:
            if self._expired:
                key = None
            else:
                key = next(_abort_keys)
                if self._aborts is None:
                    self._aborts = {}
                self._aborts[key] = abort
        if key is None:
            _safely(abort)
            return lambda: None

        def cancel() -> None:
            with _aborts_lock:
                if self._aborts is not None:
                    self._aborts.pop(key, None)

        return cancel

    def _expire(self) -> None:
        with _aborts_lock:
            self._expired = True
            aborts = list(self._aborts.values()) if self._aborts else []
            self._aborts = None
        for abort in aborts:
            _safely(abort)


def _safely(abort: Callable[[], None]) -> None:
    try:
        abort()
    except Exception as exc:  # an abort is best effort: the socket may be closed already
        log.debug("deadline_abort_failed", error=type(exc).__name__)


class _Watchdog:
    """One thread per process that expires deadlines in order; attempts register and leave."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._pending: set[int] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> int:
        with self._cond:
            key = next(self._seq)
            heapq.heappush(self._heap, (deadline.expires_at, key, deadline))
            self._pending.add(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hub-deadline-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][1] == key:  # only an earlier deadline than the one it waits for moves it
                self._cond.notify()
            return key

    def after_fork(self) -> None:
        """A forked worker inherits no threads: the child starts its own on first use."""
        self._cond = threading.Condition()
        self._heap.clear()
        self._pending.clear()
        self._thread = None

    def forget(self, key: int) -> None:
        """The attempt ended: its deadline must not fire any more (its entry is dropped lazily)."""
        with self._cond:
            self._pending.discard(key)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._pending:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                at, key, deadline = self._heap[0]
                wait = at - deadline.clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._pending.discard(key)
            deadline._expire()


_watchdog = _Watchdog()
os.register_at_fork(after_in_child=_watchdog.after_fork)
_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("hub_attempt_deadline", default=None)


def current_deadline() -> Deadline | None:
    """The deadline of the attempt this thread is making, or None outside one (at intake, in tests)."""
    return _current.get()


class attempt_deadline:
    """Bound everything a ``send`` does inside by ``seconds`` and its answers by ``max_answer_bytes``.

    Nested inside another attempt deadline, the inner one never outlives nor out-sizes the outer.
    After the block, its aborts are never called (whatever the clock says) and the enclosing
    deadline, if any, is current again. (A class, not a generator: it runs once per attempt.)
    """

    __slots__ = ("_key", "_token", "deadline")

    def __init__(self, seconds: float, *, max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES) -> None:
        self.deadline = Deadline(seconds, max_answer_bytes)

    def __enter__(self) -> Deadline:
        deadline = self.deadline
        outer = _current.get()
        if outer is not None:
            deadline.expires_at = min(deadline.expires_at, outer.expires_at)
            deadline.max_answer_bytes = min(deadline.max_answer_bytes, outer.max_answer_bytes)
        self._key = _watchdog.watch(deadline)
        self._token = _current.set(deadline)
        return deadline

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)
        _watchdog.forget(self._key)
