"""Messages sent over XTA but not confirmed yet: asked after on the next attempt instead of sent again.

An XTA send is not one call: a message can reach the server and still come back unconfirmed (its
transport report OPEN or YELLOW, the report call timing out, the connection dropping after
``sendMessage``). Sending it again would hand the reader a second copy under a new XTA id. So the
connector remembers, per hub message id, the XTA id it last sent under; the next attempt asks for
that message's transport report first:

* GREEN: delivered — no second copy;
* OPEN / YELLOW or no answer: still not confirmed, retried later (the memory stays);
* RED: dead with its reason;
* the server does not know the id (``InvalidMessageIDException``): it never arrived, send afresh.

The memory is per process and bounded: an attempt that lands in another worker process sends again,
and the XÖV message's own ``nachrichtenUUID`` (the hub's message id) lets the reader discard the
repeat. That is the at-least-once floor; this makes the usual case exactly once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

MAX_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class SentMessage:
    xta_message_id: str
    sent_at: datetime


class PendingSends:
    """Hub message id → the XTA send awaiting confirmation (thread-safe, least recently used dropped)."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._sent: OrderedDict[str, SentMessage] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, message_id: str) -> SentMessage | None:
        with self._lock:
            return self._sent.get(message_id)

    def remember(self, message_id: str, sent: SentMessage) -> None:
        with self._lock:
            self._sent[message_id] = sent
            self._sent.move_to_end(message_id)
            while len(self._sent) > self._limit:
                self._sent.popitem(last=False)

    def forget(self, message_id: str) -> None:
        with self._lock:
            self._sent.pop(message_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sent)
