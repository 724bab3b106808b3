"""What a receiver decided about a delivered message, learnt after the delivery (e.g. FIT-Connect's event log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class OutcomeKind(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    """The receiver's final word: accepted, or rejected with the problems it named."""

    kind: OutcomeKind
    problems: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
