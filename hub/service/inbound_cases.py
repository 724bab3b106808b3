"""A received case delivered to the back office, and the quarantine's release and discard.

A case becomes a submission like a portal's (service ``inbound:<source>``, owned by the mailroom's
disabled API client) whose deliveries go to the source's ``destinations``. Each delivery's payload
is the received XÖV message itself, byte for byte, as the destination's connector passes it on
(:meth:`hub.connectors.base.Connector.pass_on`); the received attachments become the submission's,
so an XTA destination sends them beside it. Leases, retries, circuits, dead letters, replay,
events and metrics then work as for any delivery. The submission is stored in the transaction that
stores the inbound message (:mod:`hub.store.inbound`), so a crash leaves one case and one delivery
per destination, or none. A FIT-Connect submission is not passed on: its data is mapped for each
destination like a portal's application (:mod:`hub.service.fitconnect_cases`).

A destination that cannot take the message as it is (its connector has no ``pass_on``), or a
source without destinations, makes the message ``unroutable``: quarantined, for an operator to
fix the config and release it (:class:`InboundQuarantine`), which re-reads the stored message
with the current config and schema sets. Release and discard are audited.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import structlog

from hub.connectors.base import AttachmentData, Destination, OutboundMessage, SubmissionData
from hub.connectors.inbound import SourceConfig
from hub.domain import inbound as decide
from hub.domain.clock import utcnow
from hub.domain.inbound import InboundState, QuarantineReason
from hub.errors import ConfigError, MappingError
from hub.schemas import SchemaCatalog
from hub.service.fitconnect_cases import FIT_CONNECT, FitConnectCases, is_fit_connect
from hub.service.ports import Nudger
from hub.service.received_case import CaseMessage, NotACase, Unroutable
from hub.service.xoev_header import read_message
from hub.store.audit import AuditLog
from hub.store.inbound import InboundDetail, InboundStore
from hub.store.inbound_cases import INBOUND_CLIENT_ID, DuplicateCase, InboundCases, NotInQuarantine, inbound_service
from hub.store.submissions import NewAttachment, NewDelivery, NewSubmission

log = structlog.get_logger(__name__)

__all__ = [
    "CaseBuilder",
    "CaseMessage",
    "InboundQuarantine",
    "NotInQuarantine",
    "ReleaseRefused",
    "Released",
    "UnknownMessage",
    "Unroutable",
]


class PassingOn(Protocol):
    def pass_on(
        self, submission: SubmissionData, message_id: str, content: bytes, media_type: str
    ) -> OutboundMessage: ...


class PassOnBuilders(Protocol):
    """The connector of each destination (the connector pool), which passes a received message on."""

    def get(self, destination: Destination) -> PassingOn: ...


class UnknownMessage(Exception):
    """No inbound message has this id."""


class ReleaseRefused(Exception):
    """The message cannot be released (why, in words: no content, its source gone, a duplicate)."""


@dataclass(frozen=True, slots=True)
class Released:
    released: bool
    submission_id: str | None = None
    reason: str | None = None
    """Still quarantined: why, as the current config and schemas see it."""
    detail: str | None = None


class CaseBuilder:
    def __init__(
        self,
        destinations: Mapping[str, Destination],
        builders: PassOnBuilders,
        forms: FitConnectCases | None = None,
    ) -> None:
        self.destinations = destinations
        self.builders = builders
        self.forms = forms
        """Maps FIT-Connect cases like a portal's application; None: they are not routed (``unroutable``)."""

    def submission(self, config: SourceConfig, case: CaseMessage) -> NewSubmission:
        """The case's submission with one delivery per destination of its source.

        Raises :class:`~hub.service.received_case.NotACase` (``unroutable``, ``schema-violation``).
        """
        if is_fit_connect(case.header.standard):
            if self.forms is None:
                raise Unroutable("FIT-Connect cases are not routed by this hub")
            return self.forms.submission(config, case)
        targets = config.destinations_for(case.header.message_type)
        if not targets:
            raise Unroutable(f"the source {config.id!r} names no destinations")
        now, submission_id = utcnow(), str(uuid.uuid4())
        attachments = [
            NewAttachment(name or f"attachment-{n + 1}", media_type, sha256, data)
            for n, (name, media_type, sha256, data) in enumerate(case.attachments)
        ]
        envelope = _envelope(config, case, attachments)
        data = SubmissionData(
            id=submission_id,
            received_at=now,
            envelope=envelope,
            attachments=tuple(AttachmentData(a.file_name, a.media_type, a.sha256, a.content) for a in attachments),
        )
        deliveries = [self._delivery(destination_id, data, case) for destination_id in targets]
        return NewSubmission(
            id=submission_id,
            client_id=INBOUND_CLIENT_ID,
            service=inbound_service(config.id),
            municipality=config.municipality,
            portal_reference=None,
            idempotency_key=None,
            request_hash=hashlib.sha256(case.content).hexdigest(),
            envelope=envelope,
            received_at=now,
            attachments=attachments,
            deliveries=deliveries,
        )

    def _delivery(self, destination_id: str, data: SubmissionData, case: CaseMessage) -> NewDelivery:
        destination = self.destinations.get(destination_id)
        if destination is None:
            raise Unroutable(f"destination {destination_id!r} is not configured")
        try:
            message = self.builders.get(destination).pass_on(data, str(uuid.uuid4()), case.content, case.media_type)
        except ConfigError as exc:
            raise Unroutable(str(exc)) from exc
        except MappingError as exc:  # a DMS wraps it as xdomea: the wrapping did not pass the XSD
            problems = "; ".join(f"{p.pointer} ({p.rule or 'invalid'})" for p in exc.problems[:5])
            raise Unroutable(f"destination {destination_id!r} cannot wrap it: {problems or exc}") from exc
        return NewDelivery(str(uuid.uuid4()), destination_id, message)


def _envelope(config: SourceConfig, case: CaseMessage, attachments: list[NewAttachment]) -> dict[str, object]:
    """The stored envelope: where the case came from (no content: that is the deliveries' payload)."""
    header = case.header
    return {
        "service": inbound_service(config.id),
        "municipality": config.municipality,
        "inbound": {
            "messageId": case.inbound_id,
            "source": config.id,
            "standard": f"{header.standard}-{header.version}",
            "messageType": header.message_type,
            "nachrichtenUUID": header.message_uuid,
        },
        "attachments": [
            {"fileName": a.file_name, "mediaType": a.media_type, "sha256": a.sha256, "size": len(a.content)}
            for a in attachments
        ],
    }


class InboundQuarantine:
    """``hub inbound release|discard``: the operator's way out of the quarantine, audited."""

    def __init__(
        self,
        store: InboundStore,
        cases: InboundCases,
        builder: CaseBuilder,
        sources: Mapping[str, SourceConfig],
        schemas: SchemaCatalog | None,
        nudger: Nudger,
        audit: AuditLog,
    ) -> None:
        self.store = store
        self.cases = cases
        self.builder = builder
        self.sources = sources
        self.schemas = schemas
        self.nudger = nudger
        self.audit = audit

    def release(self, message_id: str, actor: str, reason: str | None = None) -> Released:
        """Re-read the stored message with the current config and schemas; a case if it passes now."""
        found = self.store.get(message_id)
        if found is None:
            raise UnknownMessage(message_id)
        summary = found.summary
        if summary.state != InboundState.QUARANTINED.value:
            raise NotInQuarantine(message_id)
        config = self.sources.get(summary.source_id)
        if config is None:
            raise ReleaseRefused(f"its source {summary.source_id!r} is no longer configured")
        if found.content is None or found.media_type is None:
            raise ReleaseRefused("its content was never fetched (too large): discard it and ask for a resend")
        facts = self._facts(found)
        verdict = decide.verdict(facts, config.accepts, summary.size, config.max_message_bytes)
        header = facts.header
        if verdict.quarantined or header is None:
            return self._still(message_id, actor, reason, verdict.reason, verdict.detail)
        parts = [(p.file_name, p.media_type, p.sha256, p.data) for p in found.attachments]
        case = CaseMessage(message_id, header, found.content, found.media_type, parts)
        try:
            submission = self.builder.submission(config, case)
        except NotACase as exc:
            return self._still(message_id, actor, reason, exc.reason, str(exc))
        try:
            self.cases.release(
                message_id,
                message_uuid=header.message_uuid,
                standard=f"{header.standard}-{header.version}",
                message_type=header.message_type,
                destinations=list(config.destinations_for(header.message_type)),
                submission=submission,
            )
        except DuplicateCase as exc:
            raise ReleaseRefused(f"the case {exc.message_id} has the same nachrichtenUUID: discard this one") from exc
        self.audit.record(
            actor,
            "inbound-release",
            target=message_id,
            items=[submission.id],
            detail={"released": True, "reason": reason, "source": config.id},
        )
        log.info("inbound_released", message=message_id, submission_id=submission.id, source=config.id)
        self.nudger.nudge(_pairs(submission))
        return Released(True, submission.id)

    def _facts(self, found: InboundDetail) -> decide.Received:
        """The stored message read again: an XÖV header, or what its source identified (FIT-Connect)."""
        summary = found.summary
        if is_fit_connect(summary.standard) and summary.standard is not None and summary.message_type is not None:
            # The subscriber checked and decrypted it before it was stored; its facts are the row's.
            version = summary.standard.removeprefix(f"{FIT_CONNECT}-")
            header = decide.XoevHeader(FIT_CONNECT, version, summary.message_type, summary.external_id)
            return decide.Received(too_large=False, header=header)
        assert found.content is not None
        assert found.media_type is not None
        return read_message(found.content, found.media_type, self.schemas)

    def discard(self, message_id: str, actor: str, reason: str) -> None:
        found = self.store.get(message_id)
        if found is None:
            raise UnknownMessage(message_id)
        self.cases.discard(message_id)
        self.audit.record(
            actor,
            "inbound-discard",
            target=message_id,
            detail={"reason": reason, "source": found.summary.source_id, "quarantine": found.summary.reason},
        )
        log.info("inbound_discarded", message=message_id, source=found.summary.source_id)

    def _still(
        self, message_id: str, actor: str, reason: str | None, why: QuarantineReason | None, detail: str | None
    ) -> Released:
        why_value = why.value if why is not None else QuarantineReason.UNPARSEABLE.value
        self.cases.requarantine(message_id, why_value, detail)
        self.audit.record(
            actor,
            "inbound-release",
            target=message_id,
            detail={"released": False, "reason": reason, "quarantine": why_value},
        )
        return Released(False, reason=why_value, detail=detail)


def _pairs(submission: NewSubmission) -> Iterable[tuple[str, str]]:
    return [(d.id, d.destination_id) for d in submission.deliveries]
