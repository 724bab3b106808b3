"""The mailroom as the operator console sees it: received messages by source and state, the
quarantine's release and discard, each limited to the operator's municipalities.

Reads come from :class:`hub.store.inbound_views.InboundViews`, which never opens a message's
content: the console shows header facts, hashes and sizes, not the message (personal data; the
terminal's ``hub inbound show --content`` is the audited way to it). Release and discard are the
very use cases ``hub inbound release|discard`` call (:class:`InboundQuarantine`), which re-check the
message with the current config and write the audit log; this class only adds the tenancy check.
A message of another municipality is :class:`UnknownMessage`, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.domain.tenancy import sees
from hub.service.inbound_cases import InboundQuarantine, Released, UnknownMessage
from hub.store.inbound_views import InboundViews, MailroomMessage, MailroomRow

__all__ = ["Mailroom", "MailroomMessage", "MailroomRow"]

LIST_LIMIT = 200


class Mailroom:
    def __init__(self, views: InboundViews, quarantine: InboundQuarantine) -> None:
        self.views = views
        self.quarantine = quarantine

    def messages(
        self,
        *,
        municipalities: Sequence[str] | None,
        source_id: str | None = None,
        state: str | None = None,
        municipality: str | None = None,
    ) -> list[MailroomRow]:
        """Newest first, at most :data:`LIST_LIMIT`; ``municipalities``: the operator's scope (None: all)."""
        return self.views.messages(
            municipalities=municipalities,
            source_id=source_id,
            state=state,
            municipality=municipality,
            limit=LIST_LIMIT,
        )

    def message(self, message_id: str, *, municipalities: Sequence[str] | None) -> MailroomMessage | None:
        found = self.views.message(message_id)
        if found is None or not _in_scope(municipalities, found.row.municipality):
            return None
        return found

    def release(
        self, message_id: str, *, municipalities: Sequence[str] | None, actor: str, reason: str | None
    ) -> Released:
        self._check(message_id, municipalities)
        return self.quarantine.release(message_id, actor, reason)

    def discard(self, message_id: str, *, municipalities: Sequence[str] | None, actor: str, reason: str) -> None:
        self._check(message_id, municipalities)
        self.quarantine.discard(message_id, actor, reason)

    def _check(self, message_id: str, municipalities: Sequence[str] | None) -> None:
        if self.message(message_id, municipalities=municipalities) is None:
            raise UnknownMessage(message_id)


def _in_scope(municipalities: Sequence[str] | None, municipality: str) -> bool:
    return municipalities is None or sees(frozenset(municipalities), municipality)
