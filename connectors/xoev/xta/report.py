"""The XTA transport report and what its traffic light means for a delivery.

``getTransportReport`` is how a sender learns whether XTA took the message all the way:
``MessageStatus/Status`` is 0 (open, still in transit), 1 (green), 2 (yellow: warnings) or
3 (red: failed), with reasons in ErrorList, WarnList and InfoList. Only green confirms a
delivery; red will not get better by asking again; open and yellow are asked about again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from hub.errors import PermanentError, TransientError


class ReportStatus(IntEnum):
    """``MessageStatus/Status`` of a transport report."""

    OPEN = 0
    GREEN = 1
    YELLOW = 2
    RED = 3


@dataclass(frozen=True, slots=True)
class TransportReport:
    """The parts of a transport report the hub acts on and records."""

    message_id: str
    status: ReportStatus
    report_time: datetime
    server: str
    reasons: tuple[str, ...] = ()

    @classmethod
    def from_soap(cls, message_id: str, data: Any) -> TransportReport:
        status = data.MessageStatus
        reasons: list[str] = []
        for entries, entry in ((status.ErrorList, "Error"), (status.WarnList, "Warning"), (status.InfoList, "Info")):
            if entries is not None:
                reasons.extend(record.Reason for record in getattr(entries, entry) if record.Reason)
        return cls(
            message_id=message_id,
            status=ReportStatus(int(status.Status)),
            report_time=data.ReportTime,
            server=data.XTAServerIdentity,
            reasons=tuple(reasons),
        )

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) or "no reason given"

    def confirm(self, sent_at: datetime) -> dict[str, Any]:
        """The receipt of a green report; raises for every other colour."""
        if self.status is ReportStatus.RED:
            raise PermanentError(f"XTA transport report RED for {self.message_id}: {self.reason}")
        if self.status is not ReportStatus.GREEN:
            raise TransientError(
                f"XTA message {self.message_id} not yet confirmed: report {self.status.name} ({self.reason})"
            )
        return {
            "messageId": self.message_id,
            "reportStatus": self.status.name,
            "sentAt": sent_at.isoformat(),
            "reportTime": self.report_time.isoformat(),
            "confirmedAt": datetime.now(UTC).isoformat(),
            "xtaServer": self.server,
        }
