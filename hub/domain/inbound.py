"""What becomes of a message received from an inbound source: a case, or quarantine with a reason.

Pure decisions: the caller reads the message's XÖV header (:class:`XoevHeader`, or the problem
that kept it from being read) and hands it here with what the source is configured for. A message
is only closed at the platform after this verdict is stored, whatever it is: quarantine is the
hub's care, not the platform's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InboundState(StrEnum):
    RECEIVED = "received"
    """A case: the message passed the checks and is routed to the municipality's back office."""
    QUARANTINED = "quarantined"
    """Kept for an operator with its reason: unreadable, invalid, unroutable or too large."""
    DISCARDED = "discarded"
    """Taken out of the quarantine by an operator (audited with the reason); never delivered."""


class QuarantineReason(StrEnum):
    TOO_LARGE = "too-large"
    UNPARSEABLE = "unparseable"
    SCHEMA = "schema-violation"
    UNROUTABLE = "unroutable"


@dataclass(frozen=True, slots=True)
class XoevHeader:
    """What the hub reads of an XÖV message: its standard, version, message type and ``nachrichtenUUID``."""

    standard: str
    version: str
    message_type: str
    message_uuid: str


@dataclass(frozen=True, slots=True)
class Verdict:
    state: InboundState
    reason: QuarantineReason | None = None
    detail: str | None = None

    @property
    def quarantined(self) -> bool:
        return self.state is InboundState.QUARANTINED


@dataclass(frozen=True, slots=True)
class Received:
    """The facts about one received message that the verdict depends on."""

    too_large: bool
    header: XoevHeader | None
    problem: str | None = None
    """Why the header could not be read (None when it was read)."""
    schema_problems: tuple[str, ...] = ()


def verdict(received: Received, accepts: tuple[str, ...], size: int, cap: int) -> Verdict:
    """Case or quarantine; ``accepts``: the standards the source's municipality routes from it."""
    if received.too_large or size > cap:
        return Verdict(InboundState.QUARANTINED, QuarantineReason.TOO_LARGE, f"{size} bytes, more than {cap}")
    if received.header is None:
        return Verdict(InboundState.QUARANTINED, QuarantineReason.UNPARSEABLE, received.problem)
    if received.schema_problems:
        return Verdict(InboundState.QUARANTINED, QuarantineReason.SCHEMA, "; ".join(received.schema_problems[:5]))
    if received.header.standard not in accepts:
        known = ", ".join(accepts) or "none"
        detail = f"{received.header.standard} {received.header.message_type} is not routed from this source ({known})"
        return Verdict(InboundState.QUARANTINED, QuarantineReason.UNROUTABLE, detail)
    return Verdict(InboundState.RECEIVED)


@dataclass(frozen=True, slots=True)
class InboundCount:
    """How many messages of a source are in a state (with a quarantine reason): the metrics' rows."""

    source_id: str
    state: str
    reason: str | None
    count: int
