"""The reader's side of XTA 2: a message box listed with each message's size, fetched under a size cap.

:class:`XtaReader` is the :class:`~connectors.xoev.xta.client.XtaClient` of the receiving
authority's account (its Behördenkennung is the account, and so the box). Beyond the client's
``getStatusList``, ``getMessage`` and ``close`` it reads ``MsgSize`` from the listing, so that a
message over the cap is never fetched, and fetches under an answer cap: the answer is counted
while it streams in and the read is given up past the cap (base64 makes the answer about 4/3 of
the content), without holding more than that in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.xoev.xta.client import FetchedMessage, XtaClient
from connectors.xoev.xta.errors import xta_errors
from connectors.xoev.xta.metadata import XtaMetadata
from hub.connectors.deadline import AnswerTooLarge, attempt_deadline

ENVELOPE_ALLOWANCE = 64 * 1024
"""Room for the SOAP envelope and the metadata header around the base64 content."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """One message listed in the box: its metadata and the size its author announced (None: not said)."""

    metadata: XtaMetadata
    size: int | None


@dataclass(frozen=True, slots=True)
class Listing:
    """One ``getStatusList`` answer: the box request id (what ``close`` names) and the waiting messages."""

    request_id: str
    messages: list[Waiting]


class MessageTooLarge(Exception):
    """The answer to ``getMessage`` grew past the cap: the message was not read."""


class XtaReader(XtaClient):
    """An XTA account reading its own message box."""

    def waiting(self, max_items: int | None = None) -> Listing:
        """The messages waiting in the box, oldest first, with their announced sizes."""
        kwargs: dict[str, Any] = {"ListForm": "MessageMetaData"}
        if max_items is not None:
            kwargs["maxListItems"] = max_items
        with xta_errors("getStatusList"):
            answer = self._msgbox.getStatusList(**kwargs, _soapheaders=self._author_header())
        entries = answer.body.MessageMetaData or []
        request_id = answer.header.FetchResponseHeader.MsgBoxRequestID
        return Listing(request_id, [Waiting(XtaMetadata.from_soap(m), _size(m)) for m in entries])

    def fetch(self, message_id: str, max_bytes: int, seconds: float) -> FetchedMessage:
        """``getMessage`` for one message, its answer capped; :class:`MessageTooLarge` past the cap."""
        cap = max_bytes * 4 // 3 + ENVELOPE_ALLOWANCE
        try:
            with attempt_deadline(seconds, max_answer_bytes=cap):
                return self.get_message(message_id)
        except AnswerTooLarge as exc:
            raise MessageTooLarge(str(exc)) from exc


def _size(metadata: Any) -> int | None:
    size = getattr(metadata, "MsgSize", None)
    return int(size) if size is not None else None
