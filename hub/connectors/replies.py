"""The connector SDK's side of replies (docs/replies.md): what a reply connector builds, where it sends.

A reply to a received case goes back through the source it came from: the XTA box's account
answers the message's author, the FIT-Connect subscriber answers the sender. Its destination is
not configured separately: :func:`reply_destination` derives it from the source's settings, so a
box that can receive can answer, with the same server, account, TLS files and timeouts.

A reply connector builds the stored message once, when the reply is posted
(:meth:`ReplyBuilder.build_reply`), like intake builds a submission's; the worker sends the
stored bytes on every attempt. Its payload is a *reply bundle* (:func:`bundle`): the message and
the documents together, because the documents are the reply's, not the case's stored attachments.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import orjson

from hub.connectors.base import Destination
from hub.connectors.inbound import SourceConfig
from hub.domain.message import MessageAttachment, OutboundMessage
from hub.domain.replies import CaseOrigin, ReplyChannel, ReplyDraft, WayBack, source_of_reply_destination
from hub.domain.retry import RetryPolicy

BUNDLE_MEDIA_TYPE = "application/vnd.emscher-lippe-hub.reply+json"

XTA_REPLY_CONNECTOR = "xoev-xta-reply"
FIT_CONNECT_REPLY_CONNECTOR = "fitconnect-reply"
_CONNECTORS = {ReplyChannel.XTA: XTA_REPLY_CONNECTOR, ReplyChannel.FIT_CONNECT: FIT_CONNECT_REPLY_CONNECTOR}
_SOURCE_KINDS = {ReplyChannel.XTA: "xta-msgbox", ReplyChannel.FIT_CONNECT: "fitconnect-subscriber"}
# What a reply waits for at most: a sender's box or platform down for a day is retried, then dead.
REPLY_RETRY = RetryPolicy(initial_seconds=5, max_seconds=900, max_attempts=30)


@dataclass(frozen=True)
class ReplyMessage:
    """Everything a reply connector builds from: the reply, its case and the way back."""

    reply_id: str
    message_id: str
    origin: CaseOrigin
    draft: ReplyDraft
    way_back: WayBack
    replied_at: datetime


@runtime_checkable
class ReplyBuilder(Protocol):
    def build_reply(self, reply: ReplyMessage) -> OutboundMessage: ...


def reply_destination(destination_id: str, sources: Mapping[str, SourceConfig]) -> Destination | None:
    """The destination of replies through a source (``reply-xta:<source>``), or None if it is none."""
    found = source_of_reply_destination(destination_id)
    if found is None:
        return None
    channel, source_id = found
    source = sources.get(source_id)
    if source is None or source.kind != _SOURCE_KINDS[channel]:
        return None
    return Destination(
        id=destination_id,
        name=f"Replies through {source.name or source.id}",
        connector=_CONNECTORS[channel],
        settings=dict(source.settings),
        municipality=source.municipality,
        retry=REPLY_RETRY,
        concurrency=2,
    )


def bundle(message: bytes, media_type: str, documents: tuple[MessageAttachment, ...], **extra: Any) -> bytes:
    """The stored payload of a reply delivery: its message and the documents that travel with it."""
    return orjson.dumps(
        {
            "message": base64.b64encode(message).decode("ascii"),
            "mediaType": media_type,
            "documents": [
                {
                    "fileName": d.file_name,
                    "mediaType": d.media_type,
                    "sha256": d.sha256,
                    "content": base64.b64encode(d.content).decode("ascii"),
                }
                for d in documents
            ],
            **extra,
        }
    )


@dataclass(frozen=True)
class Unbundled:
    message: bytes
    media_type: str
    documents: tuple[MessageAttachment, ...]
    extra: dict[str, Any]


def unbundle(payload: bytes) -> Unbundled:
    raw = orjson.loads(payload)
    documents = tuple(
        MessageAttachment(d["fileName"], d["mediaType"], d["sha256"], base64.b64decode(d["content"]))
        for d in raw["documents"]
    )
    extra = {k: v for k, v in raw.items() if k not in ("message", "mediaType", "documents")}
    return Unbundled(base64.b64decode(raw["message"]), str(raw["mediaType"]), documents, extra)
