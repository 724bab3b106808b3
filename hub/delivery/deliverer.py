"""The body of the ``deliver`` actor: guard, lease, send, settle, nudge what follows.

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
from datetime import timedelta

import structlog

from hub.connectors.base import Destination, OutboundMessage
from hub.connectors.pool import ConnectorPool
from hub.delivery.destinations import DestinationResolver
from hub.delivery.dispatcher import Dispatcher
from hub.delivery.limits import DestinationGuards
from hub.errors import ConfigError, PermanentError, TransientError
from hub.store.deliveries import Attempt, DeliveryStore, LeasedDelivery, Settled
from hub.store.types import utcnow

log = structlog.get_logger(__name__)

BUSY_DEFER_SECONDS = 0.25
CONFIG_DEFER_SECONDS = 60.0


class Deliverer:
    def __init__(
        self,
        deliveries: DeliveryStore,
        destinations: DestinationResolver,
        connectors: ConnectorPool,
        guards: DestinationGuards,
        dispatcher: Dispatcher,
    ) -> None:
        self.deliveries = deliveries
        self.destinations = destinations
        self.connectors = connectors
        self.guards = guards
        self.dispatcher = dispatcher
        self._owner_prefix = f"{socket.gethostname()}:{os.getpid()}"

    def owner(self) -> str:
        return f"{self._owner_prefix}:{threading.get_ident()}"

    def __call__(self, delivery_id: str, destination_id: str) -> None:
        try:
            destination = self.destinations.get(destination_id)
        except ConfigError as exc:
            log.error(
                "destination_unknown",
                delivery_id=delivery_id,
                destination=destination_id,
                error=str(exc),
            )
            self._defer(delivery_id, destination_id, CONFIG_DEFER_SECONDS)
            return
        breaker = self.guards.breaker(destination)
        if not breaker.allow():
            self._defer(delivery_id, destination_id, breaker.retry_in())
            return
        slot = self.guards.slot(destination)
        if not slot.acquire(blocking=False):
            breaker.release_probe()
            self._defer(delivery_id, destination_id, BUSY_DEFER_SECONDS * (1 + random.random()))
            return
        try:
            leased = self.deliveries.lease(delivery_id, self.owner(), destination.lease_seconds)
            if leased is None:
                breaker.release_probe()
                return  # not due, already delivered, or another worker holds it
            self._attempt(leased, destination)
        finally:
            slot.release()

    def _defer(self, delivery_id: str, destination_id: str, seconds: float) -> None:
        at = utcnow() + timedelta(seconds=seconds)
        if self.deliveries.defer(delivery_id, at):
            self.dispatcher.nudge([(delivery_id, destination_id)], at=at)

    def _attempt(self, d: LeasedDelivery, destination: Destination) -> None:
        breaker = self.guards.breaker(destination)
        message = OutboundMessage(d.message_id, d.media_type, d.payload, dict(d.headers))
        started = utcnow()
        t0 = time.perf_counter()
        bound = log.bind(
            submission_id=d.submission_id,
            delivery_id=d.id,
            destination=d.destination_id,
            attempt=d.attempts,
        )
        try:
            connector = self.connectors.get(destination)
            receipt = connector.send(message)
        except PermanentError as exc:
            breaker.record_success()  # the receiver is up; it refused this message
            attempt = Attempt(
                started, _ms(t0), "permanent", exc.status_code, str(exc), exc.response_excerpt
            )
            bound.warning("delivery_refused", status_code=exc.status_code, reason=str(exc))
            self._follow_up(self.deliveries.dead(d, attempt, str(exc)))
            return
        except Exception as exc:
            breaker.record_failure()
            transient = (
                exc
                if isinstance(exc, TransientError)
                else TransientError(f"{type(exc).__name__}: {exc}")
            )
            attempt = Attempt(
                started,
                _ms(t0),
                "transient",
                transient.status_code,
                str(transient),
                transient.response_excerpt,
            )
            self._schedule_retry(d, destination, attempt, transient, bound)
            return
        breaker.record_success()
        attempt = Attempt(started, _ms(t0), "ok", receipt.status_code)
        bound.info(
            "delivered", status_code=receipt.status_code, duration_ms=round(attempt.duration_ms, 1)
        )
        self._follow_up(self.deliveries.delivered(d, attempt, receipt.as_dict()))

    def _schedule_retry(
        self,
        d: LeasedDelivery,
        destination: Destination,
        attempt: Attempt,
        error: TransientError,
        bound: structlog.typing.FilteringBoundLogger,
    ) -> None:
        now = utcnow()
        at = destination.retry.next_attempt_at(
            attempt=d.attempts, first_queued_at=d.queued_at, now=now, retry_after=error.retry_after
        )
        if at is None:
            reason = f"gave up after {d.attempts} attempts: {error}"
            bound.warning("delivery_exhausted", reason=reason)
            self._follow_up(self.deliveries.dead(d, attempt, reason))
            return
        bound.info("delivery_retry", error=str(error), next_attempt_at=at.isoformat())
        settled = self.deliveries.retry_at(d, attempt, at)
        if settled.applied:
            self.dispatcher.nudge([(d.id, d.destination_id)], at=at)
        self._follow_up(settled)

    def _follow_up(self, settled: Settled) -> None:
        if not settled.applied:
            log.warning("lease_lost")
            return
        if settled.callbacks:
            self.dispatcher.nudge(settled.callbacks)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
