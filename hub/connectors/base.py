"""The connector seam: build a message at intake, send it later, classify what went wrong."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from hub.connectors.deadline import DEFAULT_ATTEMPT_SECONDS, DEFAULT_MAX_ANSWER_BYTES
from hub.domain.acceptance import Outcome
from hub.domain.message import OutboundMessage, Receipt
from hub.domain.retry import RetryPolicy
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.mapping.catalog import MappingCatalog
    from hub.schemas import SchemaCatalog


@dataclass(frozen=True)
class CircuitSettings:
    failure_threshold: int = 5
    open_seconds: float = 30.0


@dataclass(frozen=True)
class RateLimit:
    """Requests per second a receiver takes, across every worker of the deployment, and the burst
    it tolerates after a quiet spell (a token bucket)."""

    per_second: float
    burst: int = 1


@dataclass(frozen=True)
class Destination:
    """One configured receiver: a connector kind plus its settings and policies."""

    id: str
    name: str
    connector: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    standard: str | None = None
    municipality: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    concurrency: int = 8
    circuit: CircuitSettings = field(default_factory=CircuitSettings)
    rate_limit: RateLimit | None = None

    @property
    def timeout_seconds(self) -> float:
        """The bound on each single network operation (connect, one read, one write)."""
        return float(self.settings.get("timeoutSeconds", 10.0))

    @property
    def attempt_deadline_seconds(self) -> float:
        """The bound on one whole attempt: every request ``send`` makes and every answer in full
        (see :mod:`hub.connectors.deadline`)."""
        return float(self.settings.get("attemptDeadlineSeconds", DEFAULT_ATTEMPT_SECONDS))

    @property
    def max_answer_bytes(self) -> int:
        """The largest answer the hub reads from this receiver (a larger one fails the attempt)."""
        return int(self.settings.get("maxAnswerBytes", DEFAULT_MAX_ANSWER_BYTES))

    def setting(self, name: str) -> Any:
        try:
            return self.settings[name]
        except KeyError:
            raise ConfigError(f"destination {self.id!r} lacks the setting {name!r}") from None


@dataclass(frozen=True)
class SubmissionData:
    """A submission as connectors see it at intake: the envelope (API field names) plus ids."""

    id: str
    received_at: datetime
    envelope: Mapping[str, Any]
    attachments: tuple[AttachmentData, ...] = ()
    leika: str | None = None
    """The service's LeiKa key (Leistungsschlüssel) from the region, by which platforms such as
    FIT-Connect route it; None for a service the region gives none."""

    @property
    def service(self) -> str:
        return str(self.envelope["service"])

    @property
    def municipality(self) -> str:
        return str(self.envelope["municipality"])


@dataclass(frozen=True)
class AttachmentData:
    file_name: str
    media_type: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class ConnectorContext:
    """What the hub hands every connector: the mapping catalogue, the schema catalog, shared resources."""

    mappings: MappingCatalog
    schemas: SchemaCatalog | None = None
    """The installed schema sets (``HUB_SCHEMA_PATH``); XML-target connectors bind and validate with it."""


class Connector(ABC):
    """Base of every connector. Subclasses set ``name`` (the entry-point name) and implement both hooks.

    ``build`` runs at intake inside the request: it maps and validates and raises
    :class:`~hub.errors.MappingError` naming the payload's JSON pointers; whatever it returns is
    stored and sent unchanged on every attempt. ``send`` runs in a worker thread and must raise
    :class:`~hub.errors.TransientError` or :class:`~hub.errors.PermanentError` on failure; any
    other exception is treated as transient. Connectors are shared between threads.
    """

    name: ClassVar[str]
    #: Requests one ``send`` makes, each bounded by the destination's timeout: the lease on a
    #: delivery must outlast them all, or a second worker could take it over mid-send.
    requests_per_send: ClassVar[int] = 1
    #: True for transports that carry the submission's files beside the body (XTA): the worker then
    #: hands ``send`` the stored attachments in ``OutboundMessage.attachments``.
    sends_attachments: ClassVar[bool] = False

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        self.destination = destination
        self.context = context

    @abstractmethod
    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage: ...

    @abstractmethod
    def send(self, message: OutboundMessage) -> Receipt: ...

    def pass_on(self, submission: SubmissionData, message_id: str, content: bytes, media_type: str) -> OutboundMessage:
        """A message the hub received (the inbound mailroom) as this destination sends it unchanged.

        Raises :class:`~hub.errors.ConfigError` unless the connector takes such a message as it is
        (XTA destinations take XÖV messages); the received case is then quarantined as unroutable.
        """
        raise ConfigError(f"destination {self.destination.id!r} ({self.name}) takes no received message as it is")

    def poll_outcome(self, receipt: Mapping[str, Any]) -> Outcome | None:
        """The receiver's later decision on a delivered message, for receivers that decide after
        taking it (FIT-Connect's accept/reject); None while undecided, and always for the others.

        Called by :class:`hub.delivery.outcome_poller.OutcomePoller` with the stored receipt of a delivery
        whose receipt says ``awaitingAcceptance``. May raise :class:`~hub.errors.DeliveryError`
        (the poller logs it and asks again later).
        """
        return None

    def close(self) -> None:  # noqa: B027  (an optional hook, deliberately not abstract)
        """Release connections; a no-op unless the connector holds any."""


__all__ = [
    "AttachmentData",
    "CircuitSettings",
    "Connector",
    "ConnectorContext",
    "Destination",
    "OutboundMessage",
    "Outcome",
    "RateLimit",
    "Receipt",
    "SubmissionData",
]
