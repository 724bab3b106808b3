"""What the simulated REST back office holds: the messages it committed, its counters and fault rules.

Requests mutate it on the server's event loop while a test may read it from its own thread, so
every access takes a (never contended for long) lock and readers get copies.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.sim.kit.faults import FaultBook, FaultRule


@dataclass(slots=True)
class ReceivedMessage:
    """A delivery the simulated receiver committed, as the hub will later want to inspect it."""

    message_id: str
    system: str
    body: Any
    headers: dict[str, str]
    received_at: str
    receipt_id: str

    def receipt(self) -> dict[str, Any]:
        return {
            "receiptId": self.receipt_id,
            "messageId": self.message_id,
            "receivedAt": self.received_at,
            "system": self.system,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "system": self.system,
            "body": self.body,
            "headers": self.headers,
            "receivedAt": self.received_at,
            "receiptId": self.receipt_id,
        }


@dataclass
class BackofficeState:
    """Messages, counters and fault rules of one simulator.

    Requests mutate it on the server's event loop while a test may read it from its own thread,
    so every access takes a (never contended for long) lock and readers get copies.
    """

    requests: int = 0
    duplicates: int = 0
    faulted: int = 0
    in_flight: int = 0
    parallel: int = 0
    """Posts that arrived while another post of the same message to the same system was still being
    answered: the same delivery in flight twice at once, which a hub must never do."""
    _answering: dict[tuple[str, str], int] = field(default_factory=dict)
    _open_by_system: dict[str, int] = field(default_factory=dict)
    _peak_by_system: dict[str, int] = field(default_factory=dict)
    """The most posts to one system open at once: what a destination's concurrency limit bounds."""
    _messages: dict[tuple[str, str], ReceivedMessage] = field(default_factory=dict)
    _by_system: dict[str, int] = field(default_factory=dict)
    _faults: FaultBook = field(default_factory=FaultBook)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request_started(self) -> None:
        with self._lock:
            self.requests += 1
            self.in_flight += 1

    def request_finished(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def post_started(self, key: tuple[str, str]) -> None:
        """A post of (system, message id) arrived; counts it as parallel if another is still open."""
        with self._lock:
            open_posts = self._answering.get(key, 0)
            self.parallel += open_posts > 0
            self._answering[key] = open_posts + 1
            system = key[0]
            now_open = self._open_by_system[system] = self._open_by_system.get(system, 0) + 1
            self._peak_by_system[system] = max(self._peak_by_system.get(system, 0), now_open)

    def post_finished(self, key: tuple[str, str]) -> None:
        with self._lock:
            left = self._answering.pop(key, 1) - 1
            if left:
                self._answering[key] = left
            self._open_by_system[key[0]] = max(self._open_by_system.get(key[0], 1) - 1, 0)

    def record(self, system: str, message_id: str, body: Any, headers: dict[str, str]) -> tuple[ReceivedMessage, bool]:
        """Store a message once per (system, id); returns the stored one and whether it was seen."""
        key = (system, message_id)
        with self._lock:
            known = self._messages.get(key)
            if known is not None:
                self.duplicates += 1
                return known, True
            message = ReceivedMessage(
                message_id=message_id,
                system=system,
                body=body,
                headers=headers,
                received_at=_utc_now(),
                receipt_id=str(uuid.uuid4()),
            )
            self._messages[key] = message
            self._by_system[system] = self._by_system.get(system, 0) + 1
            return message, False

    def take_faults(self, system: str) -> list[FaultRule]:
        """The rules that fire for this request (see :meth:`hub.sim.kit.faults.FaultBook.take`)."""
        fired = self._faults.take(system)
        if fired:
            with self._lock:
                self.faulted += 1
        return fired

    def add_fault(self, data: object) -> FaultRule:
        return self._faults.add(data)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def fault_book(self) -> FaultBook:
        return self._faults

    def messages(self, system: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m.to_json() for m in self._messages.values() if system is None or m.system == system]

    def message(self, message_id: str, system: str | None = None) -> dict[str, Any] | None:
        """One stored message; without ``system`` the first one stored under that id."""
        with self._lock:
            for m in self._messages.values():
                if m.message_id == message_id and (system is None or m.system == system):
                    return m.to_json()
        return None

    def stats(self) -> dict[str, Any]:
        """Counters as served by ``/_sim/stats``; ``faulted`` includes requests only delayed."""
        with self._lock:
            return {
                "requests": self.requests,
                "received": len(self._messages),
                "duplicates": self.duplicates,
                "faulted": self.faulted,
                "inFlight": self.in_flight,
                "parallel": self.parallel,
                "answering": sum(self._answering.values()),
                "bySystem": dict(self._by_system),
                "peakOpenBySystem": dict(self._peak_by_system),
            }

    def reset(self) -> None:
        """Forget messages and counters (not fault rules, nor requests still being handled)."""
        with self._lock:
            self._messages.clear()
            self._by_system.clear()
            self._peak_by_system.clear()
            self.requests = self.duplicates = self.faulted = self.parallel = 0


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
