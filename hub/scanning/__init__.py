"""Malware scanning of attachments at intake: the ``Scanner`` port and its verdicts.

Adapters: ``clamd`` (ClamAV's daemon over its socket, ``HUB_CLAMD_URL``) and ``none`` (no scanner,
the embedded default, which says so at start-up and in ``/readyz``). ``make_scanner`` picks one
from the settings. A scanner never logs what it scans: attachments carry personal data.

Errors: ``ScannerUnavailable`` (down, timed out, or answering nonsense: intake answers 503 and
stores nothing) and its sibling ``ScanRefused`` (the scanner will not take this file, e.g. over
its size limit: the attachment is rejected with 422, since a retry would meet the same answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from hub.scanning.clamd import ClamdScanner
from hub.scanning.none import NoScanner
from hub.scanning.scanner import Scanner, ScannerUnavailable, ScanRefused, Verdict

if TYPE_CHECKING:
    from hub.config import Settings

log = structlog.get_logger(__name__)

__all__ = ["ScanRefused", "Scanner", "ScannerUnavailable", "Verdict", "make_scanner"]


def make_scanner(settings: Settings) -> Scanner:
    """clamd when ``HUB_CLAMD_URL`` is set, else no scanner (logged as a warning)."""
    if settings.clamd_url:
        scanner: Scanner = ClamdScanner(settings.clamd_url, timeout=settings.clamd_timeout_seconds)
        log.info("attachment_scanning_on", scanner=scanner.description)
        return scanner
    log.warning(
        "attachment_scanning_off",
        detail="HUB_CLAMD_URL is not set: attachments are accepted without a malware scan",
    )
    return NoScanner()
