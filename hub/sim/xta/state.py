"""In-memory state of the XTA 2 simulator: message boxes, transport reports and fault rules.

Requests run on the server's event loop while a test reads the state from its own thread, so
every access takes a short lock and readers get copies. Messages are kept as the XML elements
that arrived (metadata header and content container), so that ``getMessage`` hands the reader
exactly what the author sent.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from lxml import etree

SOAP_OPERATIONS = frozenset(
    {
        "checkAccountActive",
        "lookupService",
        "createMessageId",
        "sendMessage",
        "getTransportReport",
        "getStatusList",
        "getMessage",
        "close",
    }
)


class FaultName(StrEnum):
    """The XTA exceptions the control API can inject, named as in the hub's fault vocabulary."""

    PERMISSION_DENIED = "PermissionDenied"
    TECHNICAL_PROBLEM = "TechnicalProblem"
    PARAMETER_NOT_SUPPORTED = "ParameterNotSupported"


class ReportStatus(StrEnum):
    """Traffic-light status of a transport report; the value in the XML is the number."""

    OPEN = "OPEN"
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"

    @property
    def number(self) -> int:
        return _STATUS_NUMBERS[self]


_STATUS_NUMBERS = {ReportStatus.OPEN: 0, ReportStatus.GREEN: 1, ReportStatus.YELLOW: 2, ReportStatus.RED: 3}
_RULE_FIELDS = frozenset({"operation", "fault", "report", "reason", "latencyMs", "answerLatencyMs", "count"})


@dataclass(slots=True)
class FaultRule:
    """One injected misbehaviour, optionally scoped to an operation and the next ``count`` calls.

    ``fault`` answers with that XTA exception; ``report`` (sendMessage only) gives the accepted
    message that transport report status; ``latencyMs`` delays the call before it is carried out,
    ``answerLatencyMs`` after (the work is done, the answer is late: a lost answer to the caller).
    """

    id: int
    operation: str | None = None
    fault: FaultName | None = None
    report: ReportStatus | None = None
    reason: str | None = None
    latency_ms: int = 0
    count: int | None = None
    answer_latency_ms: int = 0

    def applies_to(self, operation: str) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        # A report-only rule must not be used up by the management calls before sendMessage.
        delays = self.latency_ms > 0 or self.answer_latency_ms > 0
        return self.fault is not None or delays or operation == "sendMessage"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "fault": self.fault.value if self.fault else None,
            "report": self.report.value if self.report else None,
            "reason": self.reason,
            "latencyMs": self.latency_ms,
            "answerLatencyMs": self.answer_latency_ms,
            "count": self.count,
        }

    @classmethod
    def from_json(cls, data: object, rule_id: int) -> FaultRule:
        """Validate a rule posted to ``/_sim/faults``; unknown keys and values are refused to catch typos."""
        if not isinstance(data, dict):
            raise ValueError("a fault rule must be a JSON object")
        unknown = sorted(set(data) - _RULE_FIELDS)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        operation = data.get("operation")
        if operation is not None and operation not in SOAP_OPERATIONS:
            raise ValueError(f"operation must be null or one of {sorted(SOAP_OPERATIONS)}")
        fault = FaultName(data["fault"]) if data.get("fault") is not None else None
        report = ReportStatus(data["report"]) if data.get("report") is not None else None
        if report is not None and operation not in (None, "sendMessage"):
            raise ValueError("a report rule applies to sendMessage only")
        latency = data.get("latencyMs") or 0
        answer_latency = data.get("answerLatencyMs") or 0
        count = data.get("count")
        reason = data.get("reason")
        if not isinstance(latency, int) or latency < 0:
            raise ValueError("latencyMs must be a non-negative integer")
        if not isinstance(answer_latency, int) or answer_latency < 0:
            raise ValueError("answerLatencyMs must be a non-negative integer")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be null or a positive integer")
        if reason is not None and not isinstance(reason, str):
            raise ValueError("reason must be a string")
        if fault is None and report is None and latency == 0 and answer_latency == 0:
            raise ValueError("a rule needs a fault, a report, a latencyMs or an answerLatencyMs")
        return cls(rule_id, operation, fault, report, reason, latency, count, answer_latency)


@dataclass(frozen=True, slots=True)
class FiredRules:
    """What the rules ask of one request: a delay, then maybe a fault or a report status."""

    latency_ms: int = 0
    fault: FaultRule | None = None
    report: FaultRule | None = None
    answer_latency_ms: int = 0


@dataclass(slots=True)
class Content:
    """One decoded content item (the message or an attachment) with its MIME attributes."""

    data: bytes
    attributes: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"data": base64.b64encode(self.data).decode("ascii"), "attributes": dict(self.attributes)}


@dataclass(slots=True)
class StoredMessage:
    """A message accepted by sendMessage: what the reader's message box holds and the author's report reads."""

    message_id: str
    author: str
    reader: str
    service: str
    business_scenario: str
    message_type: str
    metadata: etree._Element
    container: etree._Element
    message: Content
    attachments: list[Content]
    received_at: datetime
    status: ReportStatus = ReportStatus.GREEN
    reason: str | None = None
    closed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "author": self.author,
            "reader": self.reader,
            "service": self.service,
            "businessScenario": self.business_scenario,
            "messageType": self.message_type,
            "metadataXml": etree.tostring(self.metadata, encoding="unicode"),
            "message": self.message.to_json(),
            "attachments": [a.to_json() for a in self.attachments],
            "receivedAt": self.received_at.isoformat(),
            "report": self.status.value,
            "reason": self.reason,
            "closed": self.closed,
        }


@dataclass
class XtaState:
    """Message boxes, transport reports and fault rules of one simulator."""

    requests: int = 0
    _messages: dict[str, StoredMessage] = field(default_factory=dict)
    _faults: list[FaultRule] = field(default_factory=list)
    _next_fault_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- fault rules -------------------------------------------------------------------------

    def add_fault(self, data: object) -> FaultRule:
        with self._lock:
            rule = FaultRule.from_json(data, self._next_fault_id)
            self._next_fault_id += 1
            self._faults.append(rule)
            return rule

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._faults]

    def take_faults(self, operation: str) -> FiredRules:
        """Use up the rules that fire for this call: every latency, then the first fault or report.

        Each fired rule spends one of its ``count``; an exhausted rule is removed.
        """
        latency = answer_latency = 0
        fault: FaultRule | None = None
        report: FaultRule | None = None
        with self._lock:
            self.requests += 1
            for rule in list(self._faults):
                if not rule.applies_to(operation):
                    continue
                if rule.fault is None and rule.report is not None and report is not None:
                    continue  # one report status per message; later report rules wait their turn
                latency += rule.latency_ms
                answer_latency += rule.answer_latency_ms
                if rule.fault is not None:
                    fault = rule
                elif rule.report is not None:
                    report = rule
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._faults.remove(rule)
                if fault is not None:
                    break
        return FiredRules(latency, fault, None if fault else report, answer_latency)

    # -- messages ------------------------------------------------------------------------------

    def store(self, message: StoredMessage) -> bool:
        """Keep a sent message; False if its id was already used (XTA error 9024)."""
        with self._lock:
            if message.message_id in self._messages:
                return False
            self._messages[message.message_id] = message
            return True

    def get(self, message_id: str) -> StoredMessage | None:
        with self._lock:
            return self._messages.get(message_id)

    def pending_for(self, reader: str | None) -> list[StoredMessage]:
        """Unclosed messages in a reader's box (every box when the caller did not say who it is)."""
        with self._lock:
            return [m for m in self._messages.values() if not m.closed and (reader is None or m.reader == reader)]

    def close(self, message_ids: list[str], reader: str | None) -> list[str]:
        """Mark messages fetched for good; returns the ids that are not pending in that box."""
        with self._lock:
            unknown = [
                mid
                for mid in message_ids
                if (m := self._messages.get(mid)) is None or m.closed or (reader is not None and m.reader != reader)
            ]
            if not unknown:
                for mid in message_ids:
                    self._messages[mid].closed = True
            return unknown

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m.to_json() for m in self._messages.values()]

    def reset(self) -> None:
        """Forget messages and counters (not fault rules)."""
        with self._lock:
            self._messages.clear()
            self.requests = 0


def utc_now() -> datetime:
    """Now, to the millisecond: what xs:dateTime values in reports and status lists carry."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
