"""Per-destination limits: circuit breaker, concurrency, rate, and each process's thread share.

Checked in one call (:meth:`DestinationLimits.admit`) before a destination's share of a batch is
leased; a destination that may not send now makes its deliveries wait (deferred in the database)
instead of holding a worker thread, so one slow or broken receiver never starves the others:

- **thread share**: in one process a destination holds at most ``share`` of the delivery threads
  (``HUB_DESTINATION_THREAD_SHARE``, default half), whatever its concurrency says;
- **concurrency**: at most ``Destination.concurrency`` senders at once across the deployment: a
  slot per sending thread, held under an expiry that the lease keeper renews, so a killed
  process's slots free themselves;
- **rate**: ``rateLimit: {perSecond, burst}`` requests per second, a token bucket (an attempt
  costs its connector's ``requests_per_send``);
- **circuit**: the rule of :mod:`hub.domain.circuit`; a half-open probe is forfeit after
  ``probe_seconds`` and given back on every path by :meth:`release`.

Two implementations: :class:`LocalLimits` (in one process: the embedded default, SQLite) and
:class:`~hub.delivery.limits_redis.RedisLimits` (shared by every process and node). Changes of a
circuit are returned as :class:`CircuitChange` for the worker to store for operators.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from hub.connectors.base import Destination
from hub.domain.circuit import CircuitBreaker, CircuitState
from hub.domain.clock import utcnow

log = structlog.get_logger(__name__)

BUSY_WAIT_SECONDS = 0.25
THREAD_SHARE_WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class CircuitChange:
    """A circuit's new state, for ``destination_state`` (operators, metrics)."""

    state: CircuitState
    failures: int
    open_until: datetime | None = None
    probe_until: datetime | None = None


@dataclass
class Admission:
    destination_id: str
    holder: str
    granted: bool
    sends: int = 0
    """How many of the group's deliveries may be attempted now (the rate may allow fewer)."""
    probe: bool = False
    wait_seconds: float = 0.0
    reason: str = ""
    change: CircuitChange | None = None
    """Set when admitting took the half-open probe (stored as ``half_open``)."""
    _local: threading.BoundedSemaphore | None = None
    _released: bool = False


@dataclass(frozen=True)
class AdmitRequest:
    destination: Destination
    holder: str
    want: int
    cost: int
    probe_seconds: float


def denied(destination_id: str, holder: str, reason: str, wait: float) -> Admission:
    return Admission(destination_id, holder, False, wait_seconds=max(wait, 0.05), reason=reason)


class DestinationLimits(ABC):
    """The port the deliverer uses; see the module docstring for the rules."""

    def __init__(self, threads: int, share: float = 0.5) -> None:
        self.threads = max(threads, 1)
        self.share = share
        self._lock = threading.Lock()
        self._thread_slots: dict[str, threading.BoundedSemaphore] = {}
        self._resets_seen: dict[str, datetime] = {}

    def thread_cap(self, destination: Destination) -> int:
        return max(1, min(max(destination.concurrency, 1), math.floor(self.threads * self.share)))

    def admit(self, destination: Destination, holder: str, *, want: int, cost: int, probe_seconds: float) -> Admission:
        """May ``want`` deliveries (each costing ``cost`` requests) go out now, from ``holder``?"""
        sem = self._thread_slot(destination)
        # A busy share is usually a sibling thread finishing a quick send: wait a moment for it
        # rather than defer (a database write and a delayed nudge per delivery).
        if not sem.acquire(timeout=THREAD_SHARE_WAIT_SECONDS):
            return denied(destination.id, holder, "thread_share", BUSY_WAIT_SECONDS)
        try:
            admission = self._admit(destination, holder, want=want, cost=cost, probe_seconds=probe_seconds)
        except BaseException:
            sem.release()
            raise
        if not admission.granted:
            sem.release()
            return admission
        admission._local = sem
        return admission

    def finish(
        self, destination: Destination, admission: Admission, *, ups: int = 0, down: bool = False
    ) -> CircuitChange | None:
        """The group is done: count its verdicts (``ups`` attempts that found the receiver up, then
        perhaps one that found it ``down``), give back the slot and an unused probe. Safe to call
        twice; never raises (a slot the shared store did not hear about expires by itself)."""
        if not admission.granted or admission._released:
            return None
        admission._released = True
        try:
            return self._finish(destination, admission, ups, down)
        except Exception as exc:
            log.warning("limits_finish_failed", destination=destination.id, error=type(exc).__name__)
            return None
        finally:
            if admission._local is not None:
                admission._local.release()

    def admit_many(self, requests: list[AdmitRequest]) -> list[Admission]:
        """:meth:`admit` for the groups of one batch; a shared store answers them in one round trip."""
        out = []
        for r in requests:
            sem = self._thread_slot(r.destination)
            if not sem.acquire(timeout=THREAD_SHARE_WAIT_SECONDS):
                out.append(denied(r.destination.id, r.holder, "thread_share", BUSY_WAIT_SECONDS))
                continue
            out.append(Admission(r.destination.id, r.holder, True, _local=sem))
        pending = [(r, a) for r, a in zip(requests, out, strict=True) if a.granted]
        try:
            decided = self._admit_all([r for r, _ in pending])
        except BaseException:
            for _, a in pending:
                if a._local is not None:
                    a._local.release()
            raise
        for (_, local), shared in zip(pending, decided, strict=True):
            if shared.granted:
                shared._local = local._local
            elif local._local is not None:
                local._local.release()
            out[out.index(local)] = shared
        return out

    def _admit_all(self, requests: list[AdmitRequest]) -> list[Admission]:
        return [
            self._admit(r.destination, r.holder, want=r.want, cost=r.cost, probe_seconds=r.probe_seconds)
            for r in requests
        ]

    def finish_many(self, items: list[tuple[Destination, Admission, int, bool]]) -> list[CircuitChange | None]:
        """:meth:`finish` for the groups of one batch (destination, admission, ups, down); never raises."""
        todo = [(d, a, ups, down) for d, a, ups, down in items if a.granted and not a._released]
        for _, a, _, _ in todo:
            a._released = True
        changes: dict[int, CircuitChange | None] = {}
        try:
            for (_, a, _, _), change in zip(todo, self._finish_all(todo), strict=True):
                changes[id(a)] = change
        except Exception as exc:
            log.warning("limits_finish_failed", groups=len(todo), error=type(exc).__name__)
        finally:
            for _, a, _, _ in todo:
                if a._local is not None:
                    a._local.release()
        return [changes.get(id(a)) for _, a, _, _ in items]

    def _finish_all(self, items: list[tuple[Destination, Admission, int, bool]]) -> list[CircuitChange | None]:
        return [self._finish(d, a, ups, down) for d, a, ups, down in items]

    def _thread_slot(self, destination: Destination) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._thread_slots.get(destination.id)
            if sem is None:
                sem = self._thread_slots[destination.id] = threading.BoundedSemaphore(self.thread_cap(destination))
            return sem

    def honour_resets(self, resets: dict[str, datetime]) -> list[str]:
        """Close the breakers whose operator reset request (persisted, shared by all processes) is
        newer than the last one this process applied; returns their destination ids."""
        done = []
        for destination_id, at in resets.items():
            with self._lock:
                if self._resets_seen.get(destination_id) == at:
                    continue
                self._resets_seen[destination_id] = at
            self.reset(destination_id)
            done.append(destination_id)
        return done

    @abstractmethod
    def _admit(self, destination: Destination, holder: str, *, want: int, cost: int, probe_seconds: float) -> Admission:
        """The shared part of admission: circuit, concurrency slot, rate."""

    @abstractmethod
    def _finish(self, destination: Destination, admission: Admission, ups: int, down: bool) -> CircuitChange | None:
        """Verdicts, slot and probe (see :meth:`finish`)."""

    @abstractmethod
    def renew(self, destination_id: str, holder: str, seconds: float) -> None:
        """Keep ``holder``'s slot for another ``seconds`` (the lease keeper calls it while sending)."""

    @abstractmethod
    def reset(self, destination_id: str) -> None:
        """Close the destination's circuit (an operator asked)."""

    @abstractmethod
    def circuit_state(self, destination_id: str) -> CircuitState: ...

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release connections."""


class _Bucket:
    def __init__(self, per_second: float, burst: int, clock: Callable[[], float]) -> None:
        self.per_second = per_second
        self.burst = max(burst, 1)
        self.tokens = float(self.burst)
        self.clock = clock
        self.at = clock()

    def take(self, want: int, cost: int) -> tuple[int, float]:
        """(sends allowed now, seconds until the next one may go)."""
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.per_second)
        self.at = now
        sends = min(want, int(self.tokens // cost))
        self.tokens -= sends * cost
        return sends, max((cost - self.tokens) / self.per_second, 0.0)


class LocalLimits(DestinationLimits):
    """Limits held in this process: right when one process delivers everything (``memory://``)."""

    def __init__(self, threads: int, share: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(threads, share)
        self.clock = clock
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._buckets: dict[str, _Bucket] = {}

    def breaker(self, destination: Destination, probe_seconds: float = 60.0) -> CircuitBreaker:
        with self._lock:
            cb = self._breakers.get(destination.id)
            if cb is None:
                cb = self._breakers[destination.id] = CircuitBreaker(
                    failure_threshold=destination.circuit.failure_threshold,
                    open_seconds=destination.circuit.open_seconds,
                    probe_seconds=probe_seconds,
                    clock=self.clock,
                )
            return cb

    def _admit(self, destination: Destination, holder: str, *, want: int, cost: int, probe_seconds: float) -> Admission:
        breaker = self.breaker(destination, probe_seconds)
        allowed, probe = breaker.allow(probe_seconds)
        if not allowed:
            return denied(destination.id, holder, "circuit_open", breaker.retry_in())
        with self._lock:
            slot = self._slots.get(destination.id)
            if slot is None:
                slot = self._slots[destination.id] = threading.BoundedSemaphore(max(destination.concurrency, 1))
        if not slot.acquire(blocking=False):
            if probe:
                breaker.release_probe()
            return denied(destination.id, holder, "busy", BUSY_WAIT_SECONDS)
        sends = 1 if probe else want
        if destination.rate_limit is not None:
            with self._lock:
                bucket = self._buckets.get(destination.id)
                if bucket is None:
                    rate = destination.rate_limit
                    bucket = self._buckets[destination.id] = _Bucket(rate.per_second, rate.burst, self.clock)
                sends, wait = bucket.take(sends, max(cost, 1))
            if sends == 0:
                slot.release()
                if probe:
                    breaker.release_probe()
                return denied(destination.id, holder, "rate_limited", wait)
        change = None
        if probe:
            change = CircuitChange(
                CircuitState.HALF_OPEN,
                breaker.consecutive_failures,
                probe_until=utcnow() + timedelta(seconds=probe_seconds),
            )
        return Admission(destination.id, holder, True, sends=sends, probe=probe, change=change)

    def _finish(self, destination: Destination, admission: Admission, ups: int, down: bool) -> CircuitChange | None:
        breaker = self.breaker(destination)
        with self._lock:
            slot = self._slots.get(destination.id)
        if slot is not None:
            slot.release()
        before = breaker.state
        if ups:
            breaker.record_success()
        if down:
            breaker.record_failure(probe=admission.probe and not ups)
        elif admission.probe and not ups:
            breaker.release_probe()  # the probe went unsent: the next delivery may probe
        after = breaker.state
        if after is before:
            return None
        if after is CircuitState.OPEN:
            until = utcnow() + timedelta(seconds=breaker.retry_in())
            return CircuitChange(after, breaker.consecutive_failures, open_until=until)
        return CircuitChange(after, breaker.consecutive_failures)

    def renew(self, destination_id: str, holder: str, seconds: float) -> None:
        return None  # a process's own semaphores need no renewal: they die with it

    def reset(self, destination_id: str) -> None:
        with self._lock:
            cb = self._breakers.get(destination_id)
        if cb is not None:
            cb.reset()

    def circuit_state(self, destination_id: str) -> CircuitState:
        with self._lock:
            cb = self._breakers.get(destination_id)
        return cb.state if cb is not None else CircuitState.CLOSED
