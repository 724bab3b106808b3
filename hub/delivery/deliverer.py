"""The body of the ``deliver`` actor: admit, lease, send under a deadline, settle, nudge what follows.

A broker message carries up to a few (delivery, destination) pairs: the dispatcher puts nudges
that queued up together into one message. Each destination's share is admitted by its limits
(:mod:`hub.delivery.limits`: thread share, circuit, concurrency slot, rate) or waits, deferred in
the database, without holding a thread; then all are leased in one statement, sent one after the
other, each within its destination's attempt deadline (:mod:`hub.connectors.deadline`), and
settled together. The lease keeper renews the leases and slots while this runs. A transient
failure ends that destination's share early, so a failing receiver costs one attempt per batch.

Whatever happens on the way (an exception from the database included), the ``finally`` gives the
limits back: the slot, and the half-open probe if no verdict came.

At-least-once: a worker that dies after sending but before settling stops renewing its lease;
the sweeper records the attempt as abandoned and the next worker sends the same message (same
message id) again, which the receiver discards as a repeat.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import structlog

from hub.connectors.base import Connector, Destination, OutboundMessage
from hub.connectors.deadline import attempt_deadline
from hub.connectors.pool import ConnectorPool
from hub.delivery.controls import DestinationControls
from hub.delivery.destinations import DestinationResolver
from hub.delivery.dispatcher import Dispatcher
from hub.delivery.lease_keeper import Held, LeaseKeeper
from hub.delivery.limits import Admission, AdmitRequest, CircuitChange, DestinationLimits
from hub.delivery.metrics import observe_attempt
from hub.domain.clock import utcnow
from hub.domain.transitions import Attempt, AttemptOutcome, LeasedDelivery, Transition, decide
from hub.errors import ConfigError, PermanentError, TransientError
from hub.logging import CORRELATION_HEADER
from hub.store.deliveries import DeliveryStore

log = structlog.get_logger(__name__)

CONFIG_DEFER_SECONDS = 60.0
# A paused destination's deliveries wait this long between looks; a resume makes them due at once.
PAUSED_DEFER_SECONDS = 30.0
DEFAULT_LEASE_SECONDS = 10.0
ERROR_RETRY_SECONDS = 1.0


@dataclass
class _Group:
    """The deliveries of one destination within a batch, admitted by its limits."""

    destination: Destination
    connector: Connector
    admission: Admission
    ids: list[str]
    ups: int = 0
    down: bool = False


class Deliverer:
    def __init__(
        self,
        deliveries: DeliveryStore,
        destinations: DestinationResolver,
        connectors: ConnectorPool,
        limits: DestinationLimits,
        dispatcher: Dispatcher,
        controls: DestinationControls | None = None,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.deliveries = deliveries
        self.controls = controls
        self.destinations = destinations
        self.connectors = connectors
        self.limits = limits
        self.dispatcher = dispatcher
        self.lease_seconds = lease_seconds
        self.keeper = LeaseKeeper(deliveries, limits, lease_seconds=lease_seconds)
        self.stopping = threading.Event()
        """Set when the worker stops: each batch finishes the attempt under way and gives back the rest."""
        self._owner_prefix = f"{socket.gethostname()}:{os.getpid()}"

    def owner(self) -> str:
        return f"{self._owner_prefix}:{threading.get_ident()}"

    def __call__(self, pairs: list[list[str]]) -> None:
        """Deliver a batch of (delivery id, destination id) pairs from one broker message."""
        by_destination: dict[str, list[str]] = {}
        for delivery_id, destination_id in pairs:
            by_destination.setdefault(destination_id, []).append(delivery_id)
        owner = self.owner()
        admitted: list[_Group] = []
        try:
            admitted.extend(self._admit(by_destination, owner))
            if admitted:
                self._deliver(admitted, owner)
        except Exception as exc:
            # The database (or the limits' store) failed mid-batch: what was not leased is still due
            # in the database, so wake it again shortly rather than leave it to the sweeper's next pass.
            log.warning("delivery_batch_failed", error=type(exc).__name__, deliveries=len(pairs))
            at = utcnow() + timedelta(seconds=ERROR_RETRY_SECONDS * (1 + random.random()))
            self.dispatcher.nudge([(d, dest) for d, dest in pairs], at=at)
        finally:
            finished = [(g.destination, g.admission, g.ups, g.down) for g in admitted]
            for group, change in zip(admitted, self.limits.finish_many(finished), strict=True):
                self._store_circuit(group.destination.id, change)

    def _admit(self, by_destination: dict[str, list[str]], owner: str) -> list[_Group]:
        """The destinations' groups that their limits let (partly) go now; the rest is deferred."""
        candidates: list[tuple[list[str], Destination, Connector]] = []
        for destination_id, ids in by_destination.items():
            found = self._sendable(destination_id, ids)
            if found is not None:
                candidates.append((ids, *found))
        requests = [
            AdmitRequest(
                destination,
                f"{owner}:{uuid.uuid4().hex[:8]}",
                want=len(ids),
                cost=connector.requests_per_send,
                probe_seconds=destination.attempt_deadline_seconds + self.lease_seconds,
            )
            for ids, destination, connector in candidates
        ]
        groups = []
        for (ids, destination, connector), admission in zip(candidates, self.limits.admit_many(requests), strict=True):
            if not admission.granted:
                self._defer(ids, destination.id, admission.wait_seconds * (1 + random.random() / 2))
                continue
            self._store_circuit(destination.id, admission.change)
            if admission.sends < len(ids):  # the rate allows fewer now: the others wait their turn
                self._defer(ids[admission.sends :], destination.id, admission.sends / _rate(destination))
            groups.append(_Group(destination, connector, admission, ids[: admission.sends]))
        return groups

    def _sendable(self, destination_id: str, ids: list[str]) -> tuple[Destination, Connector] | None:
        """The destination and its connector, unless it is unknown or paused (then its share waits)."""
        try:
            destination = self.destinations.get(destination_id)
            connector = self.connectors.get(destination)
        except ConfigError as exc:
            log.error("destination_unknown", destination=destination_id, error=str(exc))
            self._defer(ids, destination_id, CONFIG_DEFER_SECONDS)
            return None
        if self.controls is not None:
            controls = self.controls.snapshot()
            if destination_id in controls.paused:
                # Paused by an operator: wait, unattempted, until a resume makes them due again.
                self._defer(ids, destination_id, PAUSED_DEFER_SECONDS)
                return None
            if destination_id in controls.resets:
                self.limits.honour_resets({destination_id: controls.resets[destination_id]})
        return destination, connector

    def _deliver(self, groups: list[_Group], owner: str) -> None:
        ids = [i for g in groups for i in g.ids]
        # Renewal ends at the batch's last possible deadline: a hung connector can't hold it for ever.
        budget = sum(g.destination.attempt_deadline_seconds * len(g.ids) for g in groups) + self.lease_seconds
        held = Held(owner, time.monotonic() + budget, [], [(g.destination.id, g.admission.holder) for g in groups])
        with self.keeper.holding(held):
            leased = {d.id: d for d in self.deliveries.lease_many(ids, owner, self.lease_seconds)}
            held.delivery_ids.extend(leased)
            transitions: list[Transition] = []
            retries: set[str] = set()
            for group in groups:
                mine = [leased[i] for i in group.ids if i in leased]
                for n, d in enumerate(mine):
                    if self.stopping.is_set():  # the worker is stopping: hand back what is not sent yet
                        self._give_back(mine[n:], group.destination)
                        break
                    transition = self._attempt(d, group)
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
                self.dispatcher.nudge([(d.id, d.destination_id)], at=transition.next_attempt_at)

    def _defer(self, ids: list[str], destination_id: str, seconds: float) -> None:
        at = utcnow() + timedelta(seconds=seconds)
        deferred = [i for i in ids if self.deliveries.defer(i, at)]
        self.dispatcher.nudge([(i, destination_id) for i in deferred], at=at)

    def _give_back(self, rest: list[LeasedDelivery], destination: Destination) -> None:
        """The receiver just failed: return the batch's unsent deliveries without an attempt."""
        at = utcnow() + timedelta(seconds=0.25)
        returned = [d.id for d in rest if self.deliveries.release(d, at)]
        self.dispatcher.nudge([(i, destination.id) for i in returned], at=at)

    def _attempt(self, d: LeasedDelivery, group: _Group) -> Transition:
        destination, connector = group.destination, group.connector
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
        try:
            with attempt_deadline(destination.attempt_deadline_seconds, max_answer_bytes=destination.max_answer_bytes):
                receipt = connector.send(message)
        except PermanentError as exc:
            group.ups += 1  # the receiver is up; it refused this message
            attempt = Attempt(
                started, _ms(t0), AttemptOutcome.PERMANENT, exc.status_code, str(exc), exc.response_excerpt
            )
            bound.warning("delivery_refused", **loggable(exc))
            return decide(d, attempt, destination.retry, utcnow())
        except Exception as exc:
            group.down = True
            error = exc if isinstance(exc, TransientError) else TransientError(f"{type(exc).__name__}: {exc}")
            attempt = Attempt(
                started, _ms(t0), AttemptOutcome.TRANSIENT, error.status_code, str(error), error.response_excerpt
            )
            transition = decide(d, attempt, destination.retry, utcnow(), retry_after=error.retry_after)
            if transition.next_attempt_at is None:
                bound.warning("delivery_exhausted", **loggable(exc))
            else:
                bound.info("delivery_retry", next_attempt_at=transition.next_attempt_at.isoformat(), **loggable(exc))
            return transition
        group.ups += 1
        attempt = Attempt(started, _ms(t0), AttemptOutcome.OK, receipt.status_code)
        bound.info("delivered", status_code=receipt.status_code, duration_ms=round(attempt.duration_ms, 1))
        return decide(d, attempt, destination.retry, utcnow(), receipt=receipt.as_dict())

    def _store_circuit(self, destination_id: str, change: CircuitChange | None) -> None:
        """Persist a circuit's change (rare, never per attempt) for the console, the CLI and metrics."""
        if change is None or self.controls is None:
            return
        log.info("circuit_changed", destination=destination_id, state=change.state.value, failures=change.failures)
        try:
            self.controls.states.record_circuit(
                destination_id,
                change.state.value,
                change.failures,
                open_until=change.open_until,
                probe_until=change.probe_until,
            )
        except Exception as exc:  # an observation only: never let it fail the delivery
            log.warning("circuit_state_not_stored", destination=destination_id, error=type(exc).__name__)


def _rate(destination: Destination) -> float:
    return destination.rate_limit.per_second if destination.rate_limit else 4.0


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
