"""Faults and counters of the SFTP simulator: set from the test's thread, taken on the server's loop, under a lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class SftpState:
    """Faults and counters; the server's loop and the test's thread both touch them, under the lock."""

    fail_writes: int = 0
    fail_reason: str = "simulated write failure"
    refuse_auth: bool = False
    reject: int = 0
    reject_reason: str = "simulated rejection"
    write_delay: float = 0.0
    write_chunk: int = 64 * 1024
    stats: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("logins", "refusedLogins", "writes", "failedWrites", "renames", "received", "rejected"), 0
        )
    )
    received: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, name: str) -> None:
        with self.lock:
            self.stats[name] += 1

    def take_write_fault(self) -> str | None:
        with self.lock:
            self.stats["writes"] += 1
            if self.fail_writes <= 0:
                return None
            self.fail_writes -= 1
            self.stats["failedWrites"] += 1
            return self.fail_reason

    def take_rejection(self) -> str | None:
        with self.lock:
            if self.reject <= 0:
                return None
            self.reject -= 1
            return self.reject_reason
