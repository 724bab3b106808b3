"""What the SOAP vendor simulator holds: each ``VorgangAnlegen`` once per NachrichtId and system, counters, faults.

Requests run on the server's loop while tests read copies, under a short lock.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.sim.kit.faults import SOAP_MODES, FaultBook, FaultRule
from hub.sim.soap_vendor.envelopes import DETAIL_CODES


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(slots=True)
class ReceivedRequest:
    """A ``VorgangAnlegen`` the simulated vendor committed, as a test wants to inspect it."""

    system: str
    message_id: str
    vorgangsnummer: str
    soap_version: str
    envelope: bytes
    headers: dict[str, str]
    received_at: datetime
    digests: list[str] = field(default_factory=list)
    """SHA-256 of the request body of the first delivery and of every repeat, in order."""

    @property
    def repeats(self) -> int:
        return len(self.digests) - 1

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "messageId": self.message_id,
            "vorgangsnummer": self.vorgangsnummer,
            "soapVersion": self.soap_version,
            "envelope": self.envelope.decode("utf-8"),
            "headers": self.headers,
            "receivedAt": self.received_at.isoformat().replace("+00:00", "Z"),
            "repeats": self.repeats,
            "digests": list(self.digests),
        }


def _check_rule(rule: FaultRule) -> None:
    if rule.detail is not None and rule.detail not in DETAIL_CODES:
        raise ValueError(f"detail must be one of {sorted(DETAIL_CODES)}")


@dataclass
class SoapVendorState:
    """Requests, counters and fault rules; requests run on the server's loop while tests read copies."""

    faults: FaultBook = field(default_factory=lambda: FaultBook(SOAP_MODES, _check_rule))

    @property
    def fault_book(self) -> FaultBook:
        return self.faults

    requests: int = 0
    refused: int = 0
    _received: dict[tuple[str, str], ReceivedRequest] = field(default_factory=dict)
    _next_number: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request_started(self) -> None:
        with self._lock:
            self.requests += 1

    def request_refused(self) -> None:
        with self._lock:
            self.refused += 1

    def record(
        self, system: str, message_id: str, version: str, envelope: bytes, headers: dict[str, str]
    ) -> tuple[ReceivedRequest, bool]:
        """Store a request once per (system, NachrichtId); returns the stored one and whether it was known."""
        with self._lock:
            digest = hashlib.sha256(envelope).hexdigest()
            known = self._received.get((system, message_id))
            if known is not None:
                known.digests.append(digest)
                return known, True
            now = _utc_now()
            received = ReceivedRequest(
                system=system,
                message_id=message_id,
                vorgangsnummer=f"HST-{now.year}-{self._next_number:06d}",
                soap_version=version,
                envelope=envelope,
                headers=headers,
                received_at=now,
                digests=[digest],
            )
            self._next_number += 1
            self._received[(system, message_id)] = received
            return received, False

    def messages(self, system: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._received.values() if system is None or r.system == system]

    def message(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = next((r for r in self._received.values() if r.message_id == message_id), None)
            return found.to_json() if found is not None else None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "received": len(self._received), "refused": self.refused}

    def reset(self) -> None:
        """Forget requests and counters (not fault rules)."""
        with self._lock:
            self._received.clear()
            self.requests = self.refused = 0
