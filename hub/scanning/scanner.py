"""The ``Scanner`` port intake scans attachments through, its ``Verdict`` and its two errors.

Apart from the package's ``__init__`` (which picks an adapter) so the adapters can implement the
port without importing the module that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Verdict:
    """What the scanner found: ``signature`` names the malware, ``None`` means clean."""

    signature: str | None = None

    @property
    def infected(self) -> bool:
        return self.signature is not None


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict now (refused, timed out, broken reply): retry later."""


class ScanRefused(Exception):
    """The scanner will not scan this content (e.g. larger than its stream limit)."""


class Scanner(Protocol):
    """Scans one attachment's bytes; raises ``ScannerUnavailable`` or ``ScanRefused``, never lets data by unscanned."""

    @property
    def description(self) -> str:
        """What scans, for ``/readyz`` and the start-up log: ``off`` or e.g. ``clamd unix:///run/clamav/clamd.ctl``."""
        ...

    def scan(self, content: bytes) -> Verdict: ...

    def ready(self) -> bool:
        """Whether the scanner answers right now (a PING for clamd)."""
        ...
