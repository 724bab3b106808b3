"""What a received message is made into a case from, and why it may not become one.

Shared by the two ways a case reaches the back office (:mod:`hub.service.inbound_cases`: an XÖV
message passed on as it is; :mod:`hub.service.fitconnect_cases`: a FIT-Connect submission's data
mapped like a portal's application). Either raises :class:`Unroutable` or :class:`InvalidCase`,
and the runner (or the quarantine's release) keeps the message in quarantine with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.domain import inbound as decide
from hub.domain.inbound import QuarantineReason

__all__ = ["CaseMessage", "InvalidCase", "NotACase", "Unroutable"]


@dataclass(frozen=True, slots=True)
class CaseMessage:
    """What a case's submission is made of: the inbound row's id, the message's header and its parts."""

    inbound_id: str
    header: decide.XoevHeader
    content: bytes
    media_type: str
    attachments: Sequence[tuple[str | None, str, str, bytes]] = ()
    """(file name, media type, sha256, content) of each attachment, in order."""


class NotACase(Exception):
    """The message cannot become a case as configured: it stays in quarantine with :attr:`reason`."""

    reason = QuarantineReason.UNROUTABLE


class Unroutable(NotACase):
    """No destination, service or mapping takes the case: ``unroutable``."""


class InvalidCase(NotACase):
    """The case's data fails the service's form or the envelope's rules: ``schema-violation``."""

    reason = QuarantineReason.SCHEMA
