"""The outcome poller: asks receivers that decide after delivery (FIT-Connect) what they decided.

Like the sweeper it runs as a thread beside the worker. Each pass takes the delivered
deliveries whose receipt awaits acceptance, for destinations whose connector overrides
:meth:`~hub.connectors.base.Connector.poll_outcome`, and records what the connector reports:
accepted, rejected (the delivery turns dead with the receiver's problems) or, past the
destination's ``acceptWithinSeconds``, overdue (flagged once: event and log). A signed callback
from the platform wakes it at once (:meth:`OutcomePoller.wake`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import structlog

from hub.connectors.base import Connector
from hub.connectors.pool import ConnectorPool
from hub.delivery.dispatcher import Dispatcher
from hub.domain.acceptance import OutcomeKind, is_overdue
from hub.domain.clock import utcnow
from hub.log_errors import describe
from hub.routing.region import Region
from hub.store.acceptances import AcceptanceStore, AwaitingDelivery, Recorded

log = structlog.get_logger(__name__)


def _polls(connector: Connector) -> bool:
    return type(connector).poll_outcome is not Connector.poll_outcome


class OutcomePoller:
    def __init__(
        self,
        outcomes: AcceptanceStore,
        region: Region,
        connectors: ConnectorPool,
        *,
        interval: float,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.outcomes = outcomes
        self.dispatcher = dispatcher
        self.region = region
        self.connectors = connectors
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pass_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def destinations(self) -> list[str]:
        """The destinations whose connector reports outcomes (connectors are created on first use)."""
        out = []
        for destination in self.region.destinations.values():
            try:
                connector = self.connectors.get(destination)
            except Exception as exc:  # an unknown connector kind is the deliverer's to report
                log.debug("outcome_destination_skipped", destination=destination.id, error=str(exc))
                continue
            if _polls(connector):
                out.append(destination.id)
        return out

    def poll(self, submission_ids: Sequence[str] | None = None) -> int:
        """One pass; returns how many deliveries changed (decided or flagged)."""
        with self._pass_lock:
            ids = self.destinations()
            if not ids:
                return 0
            return sum(self._one(d) for d in self.outcomes.awaiting(ids, submission_ids=submission_ids))

    def _one(self, d: AwaitingDelivery) -> bool:
        destination = self.region.destinations[d.destination_id]
        bound = log.bind(submission_id=d.submission_id, delivery_id=d.id, destination=d.destination_id)
        try:
            outcome = self.connectors.get(destination).poll_outcome(d.receipt)
        except Exception as exc:
            bound.warning("outcome_poll_failed", error=describe(exc))
            outcome = None
        if outcome is not None:
            recorded = self.outcomes.record(d, outcome)
            if recorded and outcome.kind is OutcomeKind.ACCEPTED:
                bound.info("delivery_accepted")
            elif recorded:
                # the problems name what the platform refused, not the applicant's data; counted, not quoted
                bound.warning("delivery_rejected", problems=len(outcome.problems))
            return self._nudge(recorded)
        deadline = destination.settings.get("acceptWithinSeconds")
        if deadline is None or d.overdue_flagged:
            return False
        if not is_overdue(d.delivered_at, float(deadline), utcnow()):
            return False
        changed = self.outcomes.overdue(d, float(deadline))
        if changed:
            bound.warning("acceptance_overdue", accept_within_seconds=float(deadline))
        return changed

    def _nudge(self, recorded: Recorded) -> bool:
        """Status callbacks the decision queued go out now (the sweeper would find them, later)."""
        if recorded.callbacks and self.dispatcher is not None:
            self.dispatcher.nudge(recorded.callbacks)
        return recorded.changed

    def wake(self) -> None:
        """Poll now (a callback said there are new events); without a running thread, poll in one of its own."""
        if self._thread is not None and self._thread.is_alive():
            self._wake.set()
            return
        threading.Thread(target=self._safe_poll, name="hub-outcome-poll", daemon=True).start()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hub-outcome-poller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            self._safe_poll()

    def _safe_poll(self) -> None:
        try:
            self.poll()
        except Exception:
            log.exception("outcome_poller_failed")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
