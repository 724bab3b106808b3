"""Malware scanning of attachments at intake: the ``Scanner`` port and its verdicts.

Adapters: ``clamd`` (ClamAV's daemon over its socket, ``HUB_CLAMD_URL``) and ``none`` (no scanner,
the embedded default, which says so at start-up and in ``/readyz``). ``make_scanner`` picks one
from the settings. A scanner never logs what it scans: attachments carry personal data.

Errors: ``ScannerUnavailable`` (down, timed out, or answering nonsense: intake answers 503 and
stores nothing) and its sibling ``ScanRefused`` (the scanner will not take this file, e.g. over
its size limit: the attachment is rejected with 422, since a retry would meet the same answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import structlog

if TYPE_CHECKING:
    from hub.config import Settings

log = structlog.get_logger(__name__)

__all__ = ["ScanRefused", "Scanner", "ScannerUnavailable", "Verdict", "make_scanner"]


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


def make_scanner(settings: Settings) -> Scanner:
    """clamd when ``HUB_CLAMD_URL`` is set, else no scanner (logged as a warning)."""
    if settings.clamd_url:
        from hub.scanning.clamd import ClamdScanner

        scanner: Scanner = ClamdScanner(settings.clamd_url, timeout=settings.clamd_timeout_seconds)
        log.info("attachment_scanning_on", scanner=scanner.description)
        return scanner
    from hub.scanning.none import NoScanner

    log.warning(
        "attachment_scanning_off",
        detail="HUB_CLAMD_URL is not set: attachments are accepted without a malware scan",
    )
    return NoScanner()
