"""How long a submission's personal content and its remaining record are kept (GDPR Art. 5(1)(e)).

The hub only passes applications on. Once every delivery of a submission is final, its content
(the envelope with applicant and form, attachments, mapped messages, receipts, receivers' error
texts, event details quoting them) is kept for ``after_delivered`` when all were delivered, or for
``after_dead`` when one went dead (long enough for operators to fix the receiver and replay).
After the content went, the metadata (ids, service, municipality, states, timestamps, event kinds,
hashes) is kept for ``metadata`` and then the whole record goes. A submission still on its way is
never purged; a replay makes it unfinished again and so restarts its clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.domain.states import SubmissionStatus

_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str | int | float) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``90s`` (or a number of seconds); ValueError otherwise."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return timedelta(seconds=float(text))
    match = _DURATION.fullmatch(str(text).strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 7d, 12h, 30m or 90s")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class RetentionPolicy:
    after_delivered: timedelta = timedelta(days=7)
    after_dead: timedelta = timedelta(days=30)
    metadata: timedelta = timedelta(days=180)

    def content_expires(self, status: SubmissionStatus, finished_at: datetime) -> datetime | None:
        """When the content goes, for a submission whose status has been ``status`` since ``finished_at``."""
        if status is SubmissionStatus.DELIVERED:
            return finished_at + self.after_delivered
        if status is SubmissionStatus.FAILED:
            return finished_at + self.after_dead
        return None

    def record_expires(self, content_purged_at: datetime) -> datetime:
        return content_purged_at + self.metadata

    @property
    def shortest(self) -> timedelta:
        return min(self.after_delivered, self.after_dead)


@dataclass(frozen=True)
class RetentionRules:
    """The region's default and each service's own policy."""

    default: RetentionPolicy = field(default_factory=RetentionPolicy)
    by_service: Mapping[str, RetentionPolicy] = field(default_factory=dict)

    def for_service(self, service: str) -> RetentionPolicy:
        return self.by_service.get(service, self.default)

    def policies(self) -> list[RetentionPolicy]:
        return [self.default, *self.by_service.values()]

    def content_due(self, service: str, status: SubmissionStatus, finished_at: datetime, now: datetime) -> bool:
        expires = self.for_service(service).content_expires(status, finished_at)
        return expires is not None and expires <= now

    def record_due(self, service: str, content_purged_at: datetime, now: datetime) -> bool:
        return self.for_service(service).record_expires(content_purged_at) <= now


CONTENT_FREE_EVENT_KEYS = frozenset(
    {
        "destination", "messageId", "attempt", "outcome", "startedAt", "durationMs", "statusCode",
        "service", "municipality", "attachments", "idempotencyKey", "status", "by", "acceptWithinSeconds",
        "retryAt", "nextAttemptAt", "purged", "attempts", "leaseExpiredAt", "eventId", "issuedAt",
    }
)  # fmt: skip
"""Event detail members that hold no content (ids, states, times, counts): what a purge keeps.

Everything else (``error``, ``responseExcerpt``, ``receipt``, ``problems``, a dead letter's
``reason``, which is the receiver's error text, any member added later) is dropped with the content:
a member nobody listed is treated as personal. The ``purged`` and ``cancelled`` events are written
after the purge and keep their own ``reason`` (retention or erasure). The same list decides what
is sealed at rest (:mod:`hub.store.sealed_columns`): every member not listed here.
"""


def content_free(detail: Mapping[str, object]) -> dict[str, object]:
    """An event's detail with every member that could quote content removed."""
    kept = {k: v for k, v in detail.items() if k in CONTENT_FREE_EVENT_KEYS}
    if len(kept) != len(detail):
        kept["purged"] = True
    return kept
