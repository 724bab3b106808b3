"""Which parts of a submission's reads carry an applicant's personal data, and how a read is recorded.

Every read of one submission that shows its content writes an audit entry with the action
``read-personal-data``: the *actor* (``console:NAME``, ``cli:USER``, ``api:CLIENT``), the
submission as *target*, and as *items* what was shown, one part each:

- ``payload of delivery D`` (the mapped message; ``(masked)`` when the console masked it),
- ``receipt of delivery D`` (the receiver's answer on delivery),
- ``error text of delivery D`` (the receiver's reason, which may quote the applicant),
- ``event details E1-E2`` (attempt, delivered and dead events quote receipts and receivers' answers).

A read that shows none of these (a status whose deliveries have neither receipt nor error text, an
event page of state changes only, content already purged) is no personal-data read and records
nothing: a portal polling its own submission's progress does not flood the log. Lists of many
submissions (dead letters, deliveries, search) show ids, states and reasons for triage; they are not
recorded per submission (docs/data-protection.md says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

READ_PERSONAL_DATA = "read-personal-data"
"""The audit log's action of a read that showed personal data."""

QUOTING_DETAIL_KEYS = frozenset({"receipt", "error", "responseExcerpt", "reason", "problems"})
"""Event detail members that quote a receipt or a receiver's answer: what makes an event personal."""


def payload(delivery_id: str, *, masked: bool = False) -> str:
    return f"payload of delivery {delivery_id}" + (" (masked)" if masked else "")


def receipt(delivery_id: str) -> str:
    return f"receipt of delivery {delivery_id}"


def error_text(delivery_id: str) -> str:
    return f"error text of delivery {delivery_id}"


def event_details(event_ids: Sequence[int]) -> list[str]:
    """One part naming the range of quoting events shown (none: no part)."""
    if not event_ids:
        return []
    first, last = min(event_ids), max(event_ids)
    return [f"event details {first}" if first == last else f"event details {first}-{last}"]


def quotes_content(detail: Mapping[str, Any] | None) -> bool:
    """Whether an event's detail quotes a receipt or a receiver's answer."""
    if not detail:
        return False
    return any(detail.get(key) for key in QUOTING_DETAIL_KEYS)


@dataclass(frozen=True)
class PersonalDataRead:
    """One read of a submission's content, ready to be audited (``parts`` empty: nothing to record)."""

    actor: str
    submission_id: str
    municipality: str
    service: str
    parts: list[str] = field(default_factory=list)

    def also(self, parts: Iterable[str]) -> PersonalDataRead:
        return PersonalDataRead(self.actor, self.submission_id, self.municipality, self.service, [*self.parts, *parts])

    @property
    def worth_recording(self) -> bool:
        return bool(self.parts)

    def detail(self) -> dict[str, Any]:
        """The audit entry's detail: the tenant it belongs to, so admins can tell whose data was read."""
        return {"municipality": self.municipality, "service": self.service}
