"""The reads that the API, the console and the CLI share: one place, so they show the same truth.

The deliveries and dead letters, search, the audit log, and every destination with its backlog,
its circuit and whether it is paused. A single submission's status, events and mapped messages
carry personal data: they are read through :mod:`hub.service.personal_data`, which records each
read, and are not offered here. Scoping to an operator's
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
from hub.service.ports import AuditTrail, ControlReads
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
        controls: ControlReads,
        audit: AuditTrail,
        region: Region,
        mappings: MappingCatalog,
        schemas: SchemaCatalog | None,
    ) -> None:
        self.views = views
        self.controls = controls
        self.audit = audit
        self.region = region
        self.mappings = mappings
        self.schemas = schemas
        # The store's read models serve as they are (newest first; scoped by ``municipalities``).
        self.deliveries = views.deliveries
        self.dead_letters = views.dead_letters
        self.search = views.search

    # -- submissions ---------------------------------------------------------------------------

    def validation_report(self, message: MappedMessage, *, destination_id: str, service: str) -> ValidationReport:
        """The stored message checked again against its destination's schema set."""
        if message.payload is None:
            return ValidationReport(note="the mapped message was purged with the submission's content")
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
        self, *, actor: str | None = None, action: str | None = None, target: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Newest first; ``target``: a submission id, a destination, ..."""
        return self.audit.list(actor=actor, action=action, target=target, limit=limit)
