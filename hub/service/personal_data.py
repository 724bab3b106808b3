"""The reads of a submission's content, each one on record: the only way an entry point gets them.

The console's trace, ``hub submission show`` and the portal API's status and event reads all call
:meth:`PersonalData.read`. It checks that the reader may see the submission (its tenancy), reads
what was asked for, and writes one ``read-personal-data`` audit entry naming who read which parts
(:mod:`hub.domain.personal_data` decides what counts). The raw reads are not offered anywhere else
(:class:`hub.service.queries.Queries` has no submission, event or message read), so no entry point
can show content and forget the record.

The entry is written after the read and before the caller sees the data: a read that fails
records nothing, a read whose audit write fails is not shown (the error goes up as any database
error does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hub.domain import personal_data as parts
from hub.domain.personal_data import READ_PERSONAL_DATA, PersonalDataRead
from hub.domain.tenancy import ApiClient, OperatorAccount
from hub.service.ports import AuditTrail, MessageReads, SubmissionReads
from hub.store.operator_views import MappedMessage
from hub.store.submissions import EventView, SubmissionView


class NotVisible(Exception):
    """The submission exists but belongs to a tenant the reader does not act for (the message: its AGS)."""


@dataclass(frozen=True)
class Reader:
    """Who reads (the audit log's actor), what they may see, and whether they see personal data in clear."""

    actor: str
    may_read: Callable[[str, str], bool]
    """(municipality, service) -> whether this reader acts for that tenant."""
    in_clear: bool = True
    """False for console accounts below admin: the console masks the mapped messages it shows them."""

    @classmethod
    def api_client(cls, client: ApiClient) -> Reader:
        return cls(f"api:{client.name}", client.may_act_for)

    @classmethod
    def console(cls, account: OperatorAccount) -> Reader:
        return cls(f"console:{account.name}", lambda municipality, _: account.sees(municipality),
                   account.sees_personal_data)  # fmt: skip

    @classmethod
    def terminal(cls, actor: str) -> Reader:
        """A ``hub`` command: it runs with the database's credentials, so it sees every tenant."""
        return cls(actor, lambda _m, _s: True)


@dataclass(frozen=True)
class SubmissionRead:
    """What one read handed out; ``masked``: the reader must be shown the messages masked."""

    submission: SubmissionView
    events: list[EventView] = field(default_factory=list)
    messages: list[MappedMessage] = field(default_factory=list)
    masked: bool = False


class PersonalData:
    def __init__(self, submissions: SubmissionReads, messages: MessageReads, audit: AuditTrail) -> None:
        self.submissions = submissions
        self.messages = messages
        self.audit = audit

    def read(
        self,
        reader: Reader,
        submission_id: str,
        *,
        deliveries: bool = True,
        events: bool = False,
        messages: bool = False,
        after: int = 0,
    ) -> SubmissionRead | None:
        """The submission (None: no such id) with what was asked for, recorded; :class:`NotVisible` if foreign.

        ``deliveries``: the caller shows the deliveries' receipts and error texts; ``events``: the event
        log after ``after``; ``messages``: every delivery's mapped message.
        """
        view = self.submissions.get(submission_id)
        if view is None:
            return None
        if not reader.may_read(view.municipality, view.service):
            raise NotVisible(view.municipality)
        read = PersonalDataRead(reader.actor, view.id, view.municipality, view.service)
        if deliveries:
            read = read.also(_delivery_parts(view))
        log = self.submissions.events(submission_id, after=after) if events else []
        read = read.also(parts.event_details([e.id for e in log if parts.quotes_content(e.detail)]))
        shown = self.messages.mapped_messages(submission_id) if messages else []
        read = read.also(parts.payload(m.delivery_id, masked=not reader.in_clear) for m in shown if m.payload)
        if read.worth_recording:
            self.audit.record(reader.actor, READ_PERSONAL_DATA, target=view.id, items=read.parts, detail=read.detail())
        return SubmissionRead(view, log, shown, masked=not reader.in_clear)


def _delivery_parts(view: SubmissionView) -> list[str]:
    found: list[str] = []
    for d in view.deliveries:
        if d.receipt:
            found.append(parts.receipt(d.id))
        if d.last_error:
            found.append(parts.error_text(d.id))
    return found
