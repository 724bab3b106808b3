"""What the simulated DMS holds: the containers it filed (once per system and key), its counters and faults.

Requests and test threads share it under a lock; each filed Vorgang gets an Aktenzeichen numbered
per system.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.sim.dms.container import UnpackedMessage
from hub.sim.kit.faults import FaultBook


@dataclass(slots=True)
class FiledMessage:
    """One container the DMS filed."""

    message_id: str
    system: str
    answer: dict[str, Any]
    message_name: str
    xml: str
    files: dict[str, bytes]
    headers: dict[str, str]
    received_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "system": self.system,
            "receivedAt": self.received_at,
            "answer": self.answer,
            "messageName": self.message_name,
            "xml": self.xml,
            "headers": self.headers,
            "files": [
                {
                    "name": n,
                    "size": len(c),
                    "sha256": hashlib.sha256(c).hexdigest(),
                    "data": base64.b64encode(c).decode(),
                }
                for n, c in self.files.items()
            ],
        }


@dataclass
class DmsState:
    """Filed messages, counters and fault rules; requests and test threads share it under a lock."""

    requests: int = 0
    duplicates: int = 0
    refused: int = 0
    faults: FaultBook = field(default_factory=FaultBook)

    @property
    def fault_book(self) -> FaultBook:
        return self.faults

    _filed: dict[tuple[str, str], FiledMessage] = field(default_factory=dict)
    _numbers: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def known(self, system: str, message_id: str) -> FiledMessage | None:
        with self._lock:
            found = self._filed.get((system, message_id))
            if found is not None:
                self.duplicates += 1
            return found

    def file(self, system: str, message_id: str, unpacked: UnpackedMessage, headers: dict[str, str]) -> FiledMessage:
        with self._lock:
            known = self._filed.get((system, message_id))
            if known is not None:
                return known
            self._numbers[system] = number = self._numbers.get(system, 0) + 1
            now = datetime.now(UTC)
            answer = {
                "id": str(uuid.uuid4()),
                "aktenzeichen": f"{system.upper()}-{now.year}-{number:06d}",
                "dokumente": [{"dateiname": name, "id": str(uuid.uuid4())} for name in unpacked.files],
            }
            filed = FiledMessage(
                message_id=message_id,
                system=system,
                answer=answer,
                message_name=unpacked.message_name,
                xml=unpacked.xml.decode(),
                files=unpacked.files,
                headers=headers,
                received_at=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            )
            self._filed[(system, message_id)] = filed
            return filed

    def messages(self, system: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m.to_json() for m in self._filed.values() if system is None or m.system == system]

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": self.requests,
                "filed": len(self._filed),
                "duplicates": self.duplicates,
                "refused": self.refused,
            }

    def count(self, what: str) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)

    def reset(self) -> None:
        with self._lock:
            self._filed.clear()
            self._numbers.clear()
            self.requests = self.duplicates = self.refused = 0
