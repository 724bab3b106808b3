"""The hub's clock: every timestamp it decides or stores is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC (the database columns refuse naive datetimes)."""
    return datetime.now(UTC)
