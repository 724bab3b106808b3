"""The ports of the use cases: the few things each one needs from the adapters, as protocols.

The composition root (:mod:`hub.bootstrap`) hands in the concrete adapters: the store's classes,
the delivery engine's dispatcher, controls and limits, the connector pool. A test can hand in a
fake of any one. The signatures are those of the adapters; a port names only the methods its use
cases call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from hub.connectors.base import Destination, OutboundMessage, SubmissionData
from hub.domain.tenancy import ApiClient, OperatorAccount
from hub.routing.region import Service
from hub.store.audit import AuditEntry
from hub.store.destination_states import ControlSnapshot, DestinationControl
from hub.store.operator_views import MappedMessage
from hub.store.operators import OperatorSession
from hub.store.submissions import EventView, NewSubmission, SubmissionView

DeliveryPairs = list[tuple[str, str]]
"""(delivery id, destination id) of deliveries that became due: what the workers are nudged with."""


# -- intake -----------------------------------------------------------------------------------


class Routes(Protocol):
    """The route table: a service's definition and the destinations of (service, municipality)."""

    def service(self, service_id: str) -> Service: ...

    def destinations(self, service_id: str, ags: str) -> list[Destination]: ...


class MessageBuilder(Protocol):
    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage: ...


class MessageBuilders(Protocol):
    """The connector of each destination, which builds its message at intake."""

    def get(self, destination: Destination) -> MessageBuilder: ...


class SubmissionRecords(Protocol):
    """Where an accepted submission is stored in one transaction, with its deliveries."""

    def create(self, new: NewSubmission) -> None: ...

    def find_by_key(self, client_id: str, key: str) -> tuple[str, str] | None: ...


class Nudger(Protocol):
    """Tells the workers (after the commit) that deliveries are due, now or at ``at``."""

    def nudge(self, pairs: Iterable[tuple[str, str]], at: datetime | None = None) -> None: ...


# -- operator operations ----------------------------------------------------------------------


class DeadLetterReplay(Protocol):
    def replay(
        self,
        *,
        ids: Sequence[str] | None = None,
        destination: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        municipalities: Sequence[str] | None = None,
        actor: str = "operator",
        for_sweeper: bool = False,
    ) -> DeliveryPairs: ...


class DestinationSwitches(Protocol):
    """The stored operator controls of a destination, shared by every worker process."""

    def pause(self, destination_id: str, *, by: str) -> None: ...

    def resume(self, destination_id: str, *, for_sweeper: bool = False) -> tuple[DeliveryPairs, datetime]: ...

    def request_circuit_reset(
        self, destination_id: str, *, by: str, for_sweeper: bool = False
    ) -> tuple[DeliveryPairs, datetime]: ...


class ControlCache(Protocol):
    """This process's short-lived copy of the controls."""

    def invalidate(self) -> None: ...

    def snapshot(self) -> ControlSnapshot: ...


class CircuitBreakers(Protocol):
    def honour_resets(self, resets: dict[str, datetime]) -> list[str]: ...


class AuditTrail(Protocol):
    def record(
        self,
        actor: str,
        action: str,
        *,
        target: str | None = None,
        items: Sequence[str] = (),
        detail: dict[str, Any] | None = None,
    ) -> None: ...

    def list(
        self, *, actor: str | None = None, action: str | None = None, target: str | None = None, limit: int = 100
    ) -> list[AuditEntry]: ...


# -- reads ------------------------------------------------------------------------------------


class SubmissionReads(Protocol):
    def get(self, submission_id: str) -> SubmissionView | None: ...

    def events(self, submission_id: str, *, after: int = 0, limit: int = 1000) -> list[EventView]: ...


class MessageReads(Protocol):
    """The mapped messages of a submission's deliveries (personal data: read through PersonalData)."""

    def mapped_messages(self, submission_id: str) -> list[MappedMessage]: ...


class ControlReads(Protocol):
    def all(self) -> dict[str, DestinationControl]: ...


# -- access -----------------------------------------------------------------------------------


class ApiKeys(Protocol):
    def authenticate(self, key: str) -> ApiClient | None: ...


class OperatorAccounts(Protocol):
    session_hours: float

    def authenticate(self, name: str, password: str) -> OperatorAccount | None: ...

    def open_session(self, account: OperatorAccount) -> str: ...

    def session(self, token: str) -> OperatorSession | None: ...

    def revoke(self, token: str) -> None: ...


class DatabaseProbe(Protocol):
    """One round trip to the database (raises when it cannot be reached), and which one it is."""

    dialect: str

    def ping(self) -> None: ...
