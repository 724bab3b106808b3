"""What a connector builds at intake and sends later, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MessageAttachment:
    """A file that travels beside the message body (for transports that carry files separately)."""

    file_name: str
    media_type: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class OutboundMessage:
    """A message ready for one destination; stored with the delivery so every retry sends the same bytes.

    ``message_id`` is stable across retries and replays: receivers use it to discard repeats.
    ``attachments`` are filled in at send time from the submission's stored files, and only for
    connectors that declare ``sends_attachments`` (the others embed them in the body or drop them).
    """

    message_id: str
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[MessageAttachment, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """The receiver's acknowledgement of a delivered message."""

    reference: str | None
    status_code: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "statusCode": self.status_code, **self.detail}
