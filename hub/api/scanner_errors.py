"""The malware scanner down or too slow, at the API: 503 with ``Retry-After``, nothing stored."""

from __future__ import annotations

from hub.api.problems import Problem

RETRY_AFTER_SECONDS = 15
"""Long enough for a restarting clamd with a small signature set; a full one takes longer and portals retry."""


def scanner_unavailable() -> Problem:
    # No address or reason in the answer: the portal can do nothing with them; the hub's log has them.
    return Problem(
        "scanner-unavailable",
        "attachments cannot be scanned for malware right now; nothing was stored, retry later",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
