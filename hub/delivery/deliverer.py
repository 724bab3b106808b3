"""The body of the ``deliver`` actor: guard, lease, send, settle, nudge what follows.

A broker message carries up to a few (delivery, destination) pairs: the dispatcher puts nudges
that queued up together into one message. Each destination's share passes its circuit breaker
and takes one of its concurrency slots (or waits, deferred, without holding a thread); then all
are leased in one statement, sent one after the other, and settled together. A transient failure
ends that destination's share early, so a failing receiver costs one timeout per batch, not one
per delivery.

At-least-once: a worker that dies after sending but before settling leaves an expired lease; the
sweeper re-enqueues it and the next worker sends the same message (same message id) again, which
the receiver discards as a repeat.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import structlog

from hub.connectors.base import Connector, Destination, OutboundMessage
from hub.connectors.pool import ConnectorPool
from hub.delivery.controls import DestinationControls
from hub.delivery.destinations import DestinationResolver
from hub.delivery.dispatcher import Dispatcher
from hub.delivery.limits import DestinationGuards
from hub.delivery.metrics import observe_attempt
from hub.domain.circuit import CircuitBreaker, CircuitState
from hub.errors import ConfigError, PermanentError, TransientError
from hub.logging import CORRELATION_HEADER
from hub.store.deliveries import DeliveryStore
from hub.store.transitions import Attempt, LeasedDelivery, Transition, dead, delivered, retry_at
from hub.store.types import utcnow

log = structlog.get_logger(__name__)

BUSY_DEFER_SECONDS = 0.25
CONFIG_DEFER_SECONDS = 60.0
# A paused destination's deliveries wait this long between looks; a resume makes them due at once.
PAUSED_DEFER_SECONDS = 30.0


@dataclass(frozen=True)
class _Group:
    """The deliveries of one destination within a batch, admitted by its breaker and a slot."""

    destination: Destination
    breaker: CircuitBreaker
    slot: threading.BoundedSemaphore
    ids: list[str]


class Deliverer:
    def __init__(
        self,
        deliveries: DeliveryStore,
        destinations: DestinationResolver,
        connectors: ConnectorPool,
        guards: DestinationGuards,
        dispatcher: Dispatcher,
        controls: DestinationControls | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.controls = controls
        self.destinations = destinations
        self.connectors = connectors
        self.guards = guards
        self.dispatcher = dispatcher
        self._owner_prefix = f"{socket.gethostname()}:{os.getpid()}"

    def owner(self) -> str:
        return f"{self._owner_prefix}:{threading.get_ident()}"

    def __call__(self, pairs: list[list[str]]) -> None:
        """Deliver a batch of (delivery id, destination id) pairs from one broker message."""
        groups: dict[str, list[str]] = {}
        for delivery_id, destination_id in pairs:
            groups.setdefault(destination_id, []).append(delivery_id)
        ready: list[_Group] = []
        try:
            for destination_id, ids in groups.items():
                group = self._admit(destination_id, ids)
                if group is not None:
                    ready.append(group)
            if ready:
                self._deliver(ready)
        finally:
            for group in ready:
                group.slot.release()

    def _admit(self, destination_id: str, ids: list[str]) -> _Group | None:
        """The destination's group if its circuit and concurrency let it go now; else deferred."""
        try:
            destination = self.destinations.get(destination_id)
        except ConfigError as exc:
            log.error("destination_unknown", destination=destination_id, error=str(exc))
            self._defer(ids, destination_id, CONFIG_DEFER_SECONDS)
            return None
        breaker = self.guards.breaker(destination)
        if self.controls is not None:
            controls = self.controls.snapshot()
            if destination_id in controls.paused:
                # Paused by an operator: wait, unattempted, until a resume makes them due again.
                self._defer(ids, destination_id, PAUSED_DEFER_SECONDS)
                return None
            if destination_id in controls.resets:
                self.guards.honour_resets(controls.resets)
        if not breaker.allow():
            self._defer(ids, destination_id, breaker.retry_in())
            return None
        slot = self.guards.slot(destination)
        if not slot.acquire(blocking=False):
            breaker.release_probe()
            self._defer(ids, destination_id, BUSY_DEFER_SECONDS * (1 + random.random()))
            return None
        return _Group(destination, breaker, slot, ids)

    def _deliver(self, groups: list[_Group]) -> None:
        # The batch is sent serially: the last delivery's lease must also cover every send before it.
        ids = [i for g in groups for i in g.ids]
        per_send = {g.destination.id: self.connectors.get(g.destination).requests_per_send for g in groups}
        longest_send = [g.destination.timeout_seconds * per_send[g.destination.id] for g in groups]
        before_last = sum(t * len(g.ids) for t, g in zip(longest_send, groups, strict=True)) - longest_send[-1]
        lease = max(g.destination.lease_seconds(per_send[g.destination.id]) for g in groups) + before_last
        leased = {d.id: d for d in self.deliveries.lease_many(ids, self.owner(), lease)}
        transitions: list[Transition] = []
        retries: set[str] = set()
        for group in groups:
            mine = [leased[i] for i in group.ids if i in leased]
            if not mine:
                group.breaker.release_probe()  # not due, already delivered, or held by another worker
                continue
            connector = self.connectors.get(group.destination)
            for n, d in enumerate(mine):
                transition = self._attempt(d, group.destination, connector, group.breaker)
                transitions.append(transition)
                if transition.state.value == "retrying":
                    retries.add(d.id)
                    self._give_back(mine[n + 1 :], group.destination)
                    break
        settled = self.deliveries.settle(transitions)
        for transition, outcome in zip(transitions, settled, strict=True):
            d = transition.delivery
            if not outcome.applied:
                log.warning(
                    "lease_lost",
                    correlation_id=d.headers.get(CORRELATION_HEADER),
                    submission_id=d.submission_id,
                    delivery_id=d.id,
                )
                continue
            observe_attempt(d.destination_id, transition.state, transition.attempt.duration_ms)
            if outcome.callbacks:
                self.dispatcher.nudge(outcome.callbacks)
            if d.id in retries:
                self.dispatcher.nudge([(d.id, d.destination_id)], at=transition.values["next_attempt_at"])

    def _defer(self, ids: list[str], destination_id: str, seconds: float) -> None:
        at = utcnow() + timedelta(seconds=seconds)
        deferred = [i for i in ids if self.deliveries.defer(i, at)]
        self.dispatcher.nudge([(i, destination_id) for i in deferred], at=at)

    def _give_back(self, rest: list[LeasedDelivery], destination: Destination) -> None:
        """The receiver just failed: return the batch's unsent deliveries without an attempt."""
        at = utcnow() + timedelta(seconds=BUSY_DEFER_SECONDS)
        returned = [d.id for d in rest if self.deliveries.release(d, at)]
        self.dispatcher.nudge([(i, destination.id) for i in returned], at=at)

    def _attempt(
        self,
        d: LeasedDelivery,
        destination: Destination,
        connector: Connector,
        breaker: CircuitBreaker,
    ) -> Transition:
        files = self.deliveries.attachments(d.submission_id) if connector.sends_attachments else ()
        message = OutboundMessage(d.message_id, d.media_type, d.payload, dict(d.headers), files)
        started = utcnow()
        t0 = time.perf_counter()
        bound = log.bind(
            correlation_id=d.headers.get(CORRELATION_HEADER),
            submission_id=d.submission_id,
            delivery_id=d.id,
            destination=d.destination_id,
            attempt=d.attempts,
        )
        circuit = breaker.state
        try:
            receipt = connector.send(message)
        except PermanentError as exc:
            breaker.record_success()  # the receiver is up; it refused this message
            self._note_circuit(d.destination_id, circuit, breaker)
            attempt = Attempt(started, _ms(t0), "permanent", exc.status_code, str(exc), exc.response_excerpt)
            bound.warning("delivery_refused", **loggable(exc))
            return dead(d, attempt, str(exc))
        except Exception as exc:
            breaker.record_failure()
            self._note_circuit(d.destination_id, circuit, breaker)
            error = exc if isinstance(exc, TransientError) else TransientError(f"{type(exc).__name__}: {exc}")
            attempt = Attempt(started, _ms(t0), "transient", error.status_code, str(error), error.response_excerpt)
            next_at = destination.retry.next_attempt_at(
                attempt=d.attempts,
                first_queued_at=d.queued_at,
                now=utcnow(),
                retry_after=error.retry_after,
            )
            if next_at is None:
                reason = f"gave up after {d.attempts} attempts: {error}"
                bound.warning("delivery_exhausted", **loggable(exc))
                return dead(d, attempt, reason)
            bound.info("delivery_retry", next_attempt_at=next_at.isoformat(), **loggable(exc))
            return retry_at(d, attempt, next_at)
        breaker.record_success()
        self._note_circuit(d.destination_id, circuit, breaker)
        attempt = Attempt(started, _ms(t0), "ok", receipt.status_code)
        bound.info("delivered", status_code=receipt.status_code, duration_ms=round(attempt.duration_ms, 1))
        return delivered(d, attempt, receipt.as_dict())

    def _note_circuit(self, destination_id: str, before: CircuitState, breaker: CircuitBreaker) -> None:
        """Persist the breaker's opening and closing (rare, never per attempt) for the CLI and for
        metrics scraped where no worker runs; half-open is a matter of time and is not written."""
        after = breaker.state
        if self.controls is None or (after is CircuitState.CLOSED) == (before is CircuitState.CLOSED):
            return
        try:
            self.controls.states.record_circuit(destination_id, after.value, breaker.consecutive_failures)
        except Exception as exc:  # an observation only: never let it fail the delivery
            log.warning("circuit_state_not_stored", destination=destination_id, error=type(exc).__name__)


def loggable(error: BaseException) -> dict[str, object]:
    """What a log line may say about a failed attempt: the error's class, its cause's class and the
    status code, never the receiver's words, which may quote the applicant's data (they are kept
    with the delivery in the database, where the console shows them to operators)."""
    out: dict[str, object] = {"error": type(error).__name__}
    if error.__cause__ is not None:
        out["cause"] = type(error.__cause__).__name__
    status = getattr(error, "status_code", None)
    if status is not None:
        out["status_code"] = status
    return out


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
