"""The reads that the API, the console and the CLI share: one place, so they show the same truth.

A submission's status and trace, the deliveries and dead letters, search, the audit log, and
every destination with its backlog, its circuit and whether it is paused. Scoping to an operator's
or a portal's municipalities stays with the caller, which knows who asks; the reads that filter
by municipality in the database take the scope as ``municipalities`` (None: all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hub.connectors.base import Destination
from hub.mapping.catalog import MappingCatalog
from hub.routing.region import Region
from hub.schemas import SchemaCatalog
from hub.service.ports import AuditTrail, ControlReads, SubmissionReads
from hub.service.validation_report import ValidationReport, validation_report
from hub.store.audit import AuditEntry
from hub.store.destination_states import DestinationControl
from hub.store.operator_views import (
    ERROR_KINDS,
    DeadLetter,
    DeliveryRow,
    DestinationBacklog,
    DestinationOutcomes,
    MappedMessage,
    OperatorViews,
    SubmissionHit,
)
from hub.store.submissions import EventView, SubmissionView

__all__ = [
    "ERROR_KINDS",
    "AuditEntry",
    "DeadLetter",
    "DeliveryRow",
    "DestinationStatus",
    "EventView",
    "MappedMessage",
    "Queries",
    "SubmissionHit",
    "SubmissionView",
    "ValidationReport",
]
"""The read models the entry points are served (the store's own, named here so that they need not
reach into the store for them)."""


@dataclass(frozen=True)
class DestinationStatus:
    """One destination as operators see it: its configuration, backlog and stored controls."""

    id: str
    destination: Destination | None
    """None for a destination that still has deliveries but is no longer in the region config."""
    backlog: DestinationBacklog = field(default_factory=DestinationBacklog)
    control: DestinationControl | None = None

    @property
    def circuit(self) -> str:
        """What the workers last stored when a breaker opened or closed; ``closed`` if never."""
        return self.control.circuit_state if self.control else "closed"

    @property
    def paused(self) -> bool:
        return bool(self.control and self.control.paused)


class Queries:
    def __init__(
        self,
        views: OperatorViews,
        submissions: SubmissionReads,
        controls: ControlReads,
        audit: AuditTrail,
        region: Region,
        mappings: MappingCatalog,
        schemas: SchemaCatalog | None,
    ) -> None:
        self.views = views
        self.submissions = submissions
        self.controls = controls
        self.audit = audit
        self.region = region
        self.mappings = mappings
        self.schemas = schemas
        # The store's read models serve as they are (newest first; scoped by ``municipalities``).
        self.deliveries = views.deliveries
        self.dead_letters = views.dead_letters
        self.search = views.search
        self.mapped_messages = views.mapped_messages

    # -- submissions ---------------------------------------------------------------------------

    def submission(self, submission_id: str) -> SubmissionView | None:
        return self.submissions.get(submission_id)

    def events(self, submission_id: str, *, after: int = 0) -> list[EventView]:
        return self.submissions.events(submission_id, after=after)

    def validation_report(self, message: MappedMessage, *, destination_id: str, service: str) -> ValidationReport:
        """The stored message checked again against its destination's schema set."""
        return validation_report(
            self.region,
            self.mappings,
            self.schemas,
            destination_id=destination_id,
            service=service,
            media_type=message.media_type,
            payload=message.payload,
        )

    # -- destinations --------------------------------------------------------------------------

    def destinations(self) -> dict[str, DestinationStatus]:
        """Every destination of the region config, and any other that has deliveries, by id."""
        backlogs = self.views.backlog()
        controls = self.controls.all()
        configured = self.region.destinations
        return {
            name: DestinationStatus(
                name, configured.get(name), backlogs.get(name, DestinationBacklog()), controls.get(name)
            )
            for name in sorted(set(configured) | set(backlogs))
        }

    def outcomes(self, *, buckets: int, window: timedelta = timedelta(hours=1)) -> dict[str, DestinationOutcomes]:
        """Each destination's delivered and failed attempts per bucket over the last ``window``."""
        return self.views.outcomes(window=window, buckets=buckets)

    # -- audit ---------------------------------------------------------------------------------

    def audit_entries(
        self, *, actor: str | None = None, action: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Newest first."""
        return self.audit.list(actor=actor, action=action, limit=limit)
