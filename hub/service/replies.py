"""Answering back (issue 15, item 5): a back office or an operator posts a reply to a case; the hub
returns it the way the case came, as a delivery like any other (docs/replies.md).

``post`` checks the body (the domain's rules, problems naming the field), finds the case and its
way back (:func:`hub.domain.replies.way_back`: a portal's callback, an XTA message to the author, a
FIT-Connect reply), has the channel's connector build the message once, and stores the reply with
its delivery in one transaction; then the workers are nudged. Nothing is stored when any step
fails. With an ``Idempotency-Key`` a repeat of the same body gets the same reply, another body a
conflict. Personal data (the text, the documents) never reaches a log line: ids, channel, status.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from hub.connectors.base import Destination
from hub.connectors.inbound import SourceConfig
from hub.connectors.pool import ConnectorPool
from hub.connectors.replies import ReplyBuilder, ReplyMessage, reply_destination
from hub.domain.clock import utcnow
from hub.domain.message import OutboundMessage
from hub.domain.personal_data import READ_PERSONAL_DATA
from hub.domain.replies import (
    CaseOrigin,
    NoChannelBack,
    ReceivedFrom,
    ReplyChannel,
    ReplyDraft,
    WayBack,
    callback_body,
    read_reply,
    way_back,
)
from hub.domain.tenancy import sees
from hub.errors import ConfigError, FieldProblem, MappingError
from hub.service.ports import AuditTrail, Nudger
from hub.store.replies import CaseGone, CaseRecord, NewReply, ReplyRepeated, ReplyStore, StoredReply

log = structlog.get_logger(__name__)

__all__ = [
    "CaseNotFound",
    "InvalidReply",
    "NoChannelBack",
    "NotPermitted",
    "Posted",
    "Replier",
    "Replies",
    "ReplyConflict",
    "ReplyNotBuildable",
]


class InvalidReply(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("the reply is invalid")
        self.problems = problems


class CaseNotFound(LookupError):
    """No such case (or one the caller may not know of)."""


class NotPermitted(Exception):
    """The caller may not answer cases of this municipality."""


class ReplyConflict(Exception):
    """The idempotency key was used for another reply body (the other reply's id)."""


class ReplyNotBuildable(Exception):
    """The way back is misconfigured (a schema set missing, a source's settings broken): nothing stored."""


@dataclass(frozen=True)
class Replier:
    """Who posts a reply: ``actor`` as the audit log and the case's events name it, and the
    municipalities it may answer for (``*``: all)."""

    actor: str
    municipalities: frozenset[str]

    def may_answer(self, municipality: str) -> bool:
        return sees(self.municipalities, municipality)


@dataclass(frozen=True)
class Posted:
    reply: StoredReply
    replayed: bool = False


class Replies:
    def __init__(
        self,
        store: ReplyStore,
        sources: Mapping[str, SourceConfig],
        connectors: ConnectorPool,
        nudger: Nudger,
        audit: AuditTrail,
    ) -> None:
        self.store = store
        self.sources = sources
        self.connectors = connectors
        self.nudger = nudger
        self.audit = audit

    def post(self, replier: Replier, submission_id: str, body: Any, idempotency_key: str | None = None) -> Posted:
        record = self._case(replier, submission_id)
        draft, problems = read_reply(body)
        if draft is None:
            raise InvalidReply(problems)
        request_hash = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
        if idempotency_key is not None:
            earlier = self.store.by_key(submission_id, idempotency_key)
            if earlier is not None:
                return self._repeat(earlier, request_hash)
        origin = self.origin(record)
        route = way_back(origin)
        new = self._new_reply(replier, origin, draft, route, idempotency_key, request_hash)
        try:
            stored = self.store.record(new)
        except ReplyRepeated as exc:
            return self._repeat(exc.existing, request_hash)
        except CaseGone as exc:
            raise NoChannelBack("the case's content was purged meanwhile: it takes no reply") from exc
        self.nudger.nudge([(new.delivery_id, new.destination_id)])
        self.audit.record(
            replier.actor,
            "reply-post",
            target=submission_id,
            items=[stored.id],
            detail={"channel": route.channel.value, "status": draft.status.value, "documents": len(draft.documents)},
        )
        log.info(
            "reply_posted",
            submission_id=submission_id,
            reply_id=stored.id,
            delivery_id=new.delivery_id,
            channel=route.channel.value,
            status=draft.status.value,
        )
        return Posted(stored)

    def of_case(self, replier: Replier, submission_id: str) -> list[StoredReply]:
        """The case's replies; their texts and documents' names are personal data: the read is audited."""
        self._case(replier, submission_id)
        found = self.store.of_case(submission_id)
        if any(r.text or r.documents for r in found):
            self.audit.record(
                replier.actor,
                READ_PERSONAL_DATA,
                target=submission_id,
                items=["replies"],
                detail={"replies": [r.id for r in found]},
            )
        return found

    def get(self, replier: Replier, reply_id: str) -> StoredReply | None:
        found = self.store.get(reply_id)
        if found is None:
            return None
        self._case(replier, found.submission_id)
        return found

    def _case(self, replier: Replier, submission_id: str) -> CaseRecord:
        record = self.store.case(submission_id)
        if record is None:
            raise CaseNotFound(submission_id)
        if not replier.may_answer(record.municipality):
            raise NotPermitted(record.municipality)
        return record

    def _repeat(self, earlier: StoredReply, request_hash: str) -> Posted:
        if earlier.request_hash != request_hash:
            raise ReplyConflict(earlier.id)
        return Posted(earlier, replayed=True)

    def origin(self, record: CaseRecord) -> CaseOrigin:
        """The case as the domain decides its way back (the source's plugin kind from the config)."""
        received = None
        if record.source_id is not None:
            source = self.sources.get(record.source_id)
            if source is None:
                raise NoChannelBack(f"the case's source {record.source_id!r} is no longer configured")
            metadata = record.fit_connect_metadata or {}
            received = ReceivedFrom(
                source_id=source.id,
                source_kind=source.kind,
                sender=record.sender,
                message_uuid=record.message_uuid,
                reply_channel=metadata.get("replyChannel") if isinstance(metadata, dict) else None,
                header=record.header or {},
            )
        return CaseOrigin(
            submission_id=record.submission_id,
            client_id=record.client_id,
            municipality=record.municipality,
            portal_reference=record.portal_reference,
            callback_configured=record.callback_configured,
            received=received,
            content_purged=record.content_purged,
        )

    def _new_reply(
        self,
        replier: Replier,
        origin: CaseOrigin,
        draft: ReplyDraft,
        route: WayBack,
        idempotency_key: str | None,
        request_hash: str,
    ) -> NewReply:
        reply_id, delivery_id, now = str(uuid.uuid4()), str(uuid.uuid4()), utcnow()
        message_id = str(uuid.uuid4())
        reply = ReplyMessage(reply_id, message_id, origin, draft, route, now)
        message = self._message(reply)
        return NewReply(
            id=reply_id,
            submission_id=origin.submission_id,
            client_id=origin.client_id,
            channel=route.channel.value,
            status=draft.status.value,
            text=draft.text,
            documents=draft.documents,
            actor=replier.actor,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            created_at=now,
            delivery_id=delivery_id,
            destination_id=route.destination_id,
            message_id=message.message_id,
            media_type=message.media_type,
            headers=dict(message.headers),
            payload=message.body,
        )

    def _message(self, reply: ReplyMessage) -> OutboundMessage:
        """What the reply's delivery sends, built once (every attempt sends the same bytes)."""
        route = reply.way_back
        if route.channel is ReplyChannel.PORTAL_CALLBACK:
            body = callback_body(reply.reply_id, reply.origin, reply.draft, reply.replied_at)
            return OutboundMessage(reply.message_id, "application/json", orjson.dumps(body))
        destination = reply_destination(route.destination_id, self.sources)
        if destination is None:
            raise NoChannelBack(f"no way back through {route.destination_id!r}")
        return self._built(destination, reply)

    def _built(self, destination: Destination, reply: ReplyMessage) -> OutboundMessage:
        try:
            connector = self.connectors.get(destination)
            if not isinstance(connector, ReplyBuilder):
                raise ConfigError(f"the connector {destination.connector!r} builds no replies")
            return connector.build_reply(reply)
        except (ConfigError, MappingError) as exc:
            # The reason may quote the reply (a schema error on its text): the caller is told, the log is not.
            log.error("reply_not_buildable", destination=destination.id, error=type(exc).__name__)
            raise ReplyNotBuildable(str(exc)) from exc
