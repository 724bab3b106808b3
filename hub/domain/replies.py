"""Replies to cases: what a back office (or an operator) answers, and the way back it takes.

A reply goes back the way its case came (docs/replies.md):

* a portal's submission: a signed callback to the portal client's callback URL (``portal-callback``);
* a message received from an XTA 2 box: an XÖV message from the box's account to the message's
  author at the same XTA server (``xta``);
* a FIT-Connect submission whose metadata offered ``replyChannel.fitConnect``: a FIT-Connect reply
  encrypted to the key the sender gave (``fit-connect``).

A case that offers no way back (a portal without a callback URL, a FIT-Connect submission without
the reply channel) takes no reply: :class:`NoChannelBack` says why, before anything is stored.
The checks of a reply's body live here too (:func:`read_reply`): they are rules, not I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.domain.status_callbacks import callback_destination
from hub.errors import FieldProblem

MAX_TEXT_CHARS = 20_000
MAX_DOCUMENTS = 20
MAX_FILE_NAME_CHARS = 255
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# No surrogate range in the documented patterns: schema-driven generators ignore a pattern holding
# one; a lone surrogate never gets this far anyway (the JSON parser refuses it).
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]*$"
_NOT_XML = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]")
# The documented patterns (the OpenAPI document states them; read_reply checks with the same ones,
# so what the document calls valid is accepted). A file name is a label, never a path here: every
# transport names the file itself (xdomea's Dateiname, FIT-Connect's attachment id).
FILE_NAME_PATTERN = r"^[^/\\\u0000-\u001f\ufffe\uffff]{1,255}$"
MEDIA_TYPE_PATTERN = r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$"
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
_FILE_NAME, _MEDIA_TYPE, _BASE64 = (
    re.compile(FILE_NAME_PATTERN),
    re.compile(MEDIA_TYPE_PATTERN),
    re.compile(BASE64_PATTERN),
)

XTA_REPLY_PREFIX = "reply-xta:"
FIT_CONNECT_REPLY_PREFIX = "reply-fit-connect:"
REPLY_CALLBACK_TYPE = "reply"
FIT_CONNECT_KEY_ALG = "RSA-OAEP-256"


class ReplyStatus(StrEnum):
    """What the reply says about the case (a closed set: receivers switch on it)."""

    ACCEPTED = "accepted"
    """Received and being worked on (an acknowledgement of substance, not of transport)."""
    APPROVED = "approved"
    """Decided in the applicant's favour (e.g. a permit granted)."""
    REJECTED = "rejected"
    """Decided against the applicant."""
    NEEDS_INFORMATION = "needs-information"
    """The back office needs more from the applicant before it can decide."""
    OTHER = "other"
    """Anything else; the text says what."""


class ReplyChannel(StrEnum):
    PORTAL_CALLBACK = "portal-callback"
    XTA = "xta"
    FIT_CONNECT = "fit-connect"


class NoChannelBack(Exception):
    """The case offers no way to send a reply back; the message says why (no personal data)."""


@dataclass(frozen=True)
class ReplyDocument:
    file_name: str
    media_type: str
    sha256: str
    content: bytes

    def describe(self) -> dict[str, Any]:
        """The document without its content (what the reply row keeps, sealed: the name may name a person)."""
        return {
            "fileName": self.file_name,
            "mediaType": self.media_type,
            "sha256": self.sha256,
            "size": len(self.content),
        }

    def as_json(self) -> dict[str, Any]:
        return {**self.describe(), "content": base64.b64encode(self.content).decode("ascii")}


@dataclass(frozen=True)
class ReplyDraft:
    """A reply's body, checked."""

    status: ReplyStatus
    text: str | None
    documents: tuple[ReplyDocument, ...] = ()


@dataclass(frozen=True)
class ReceivedFrom:
    """Where a received case came from: its source (plugin kind and id), the sender, and what the
    sender said about answering (FIT-Connect: the metadata's ``replyChannel``)."""

    source_id: str
    source_kind: str
    sender: str | None
    message_uuid: str | None = None
    reply_channel: Mapping[str, Any] | None = None
    header: Mapping[str, Any] = field(default_factory=dict)
    """The transport's clear header (FIT-Connect: ``submissionId`` and ``caseId`` to answer)."""


@dataclass(frozen=True)
class CaseOrigin:
    """What decides a case's way back: its portal client (and whether it has a callback), or the
    received message it was made from."""

    submission_id: str
    client_id: str
    municipality: str
    portal_reference: str | None
    callback_configured: bool
    received: ReceivedFrom | None = None
    content_purged: bool = False


@dataclass(frozen=True)
class WayBack:
    """The channel of a reply and the destination its delivery goes to."""

    channel: ReplyChannel
    destination_id: str
    details: Mapping[str, Any] = field(default_factory=dict)


def way_back(origin: CaseOrigin) -> WayBack:
    """The channel a reply to this case takes, or :class:`NoChannelBack`."""
    if origin.content_purged:
        raise NoChannelBack("the case's content was purged (retention or erasure): it takes no reply")
    received = origin.received
    if received is None:
        if not origin.callback_configured:
            raise NoChannelBack("the portal client of this submission has no callback URL: no reply can reach it")
        return WayBack(ReplyChannel.PORTAL_CALLBACK, callback_destination_of(origin.client_id))
    if received.source_kind == "xta-msgbox":
        if not received.sender:
            raise NoChannelBack("the received XTA message names no author to answer")
        return WayBack(ReplyChannel.XTA, XTA_REPLY_PREFIX + received.source_id, {"reader": received.sender})
    if received.source_kind == "fitconnect-subscriber":
        offered = fit_connect_reply_channel(received.reply_channel)
        if offered is None:
            raise NoChannelBack("the FIT-Connect submission offered no reply channel (replyChannel.fitConnect)")
        key = offered["encryptionPublicKey"]
        if key.get("kty") != "RSA" or key.get("alg") != FIT_CONNECT_KEY_ALG or not key.get("kid"):
            raise NoChannelBack(f"the sender's reply key is not an RSA {FIT_CONNECT_KEY_ALG} key with a kid")
        submission, case = received.header.get("submissionId"), received.header.get("caseId")
        if not submission or not case:
            raise NoChannelBack("the received FIT-Connect case names no submission and case id to answer")
        details = {**offered, "submissionId": str(submission), "caseId": str(case)}
        return WayBack(ReplyChannel.FIT_CONNECT, FIT_CONNECT_REPLY_PREFIX + received.source_id, details)
    raise NoChannelBack(f"cases from sources of kind {received.source_kind!r} take no reply")


def fit_connect_reply_channel(reply_channel: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The metadata's ``replyChannel.fitConnect`` (encryption key, process standards), if offered."""
    if not isinstance(reply_channel, Mapping):
        return None
    offered = reply_channel.get("fitConnect")
    if not isinstance(offered, Mapping) or not isinstance(offered.get("encryptionPublicKey"), Mapping):
        return None
    return dict(offered)


def callback_destination_of(client_id: str) -> str:
    """Replies to a portal go to its status-callback destination (same URL, same secret)."""
    return callback_destination(client_id)


def source_of_reply_destination(destination_id: str) -> tuple[ReplyChannel, str] | None:
    """(channel, source id) of a reply destination id; None for any other destination."""
    for prefix, channel in ((XTA_REPLY_PREFIX, ReplyChannel.XTA), (FIT_CONNECT_REPLY_PREFIX, ReplyChannel.FIT_CONNECT)):
        if destination_id.startswith(prefix):
            return channel, destination_id[len(prefix) :]
    return None


def callback_body(reply_id: str, origin: CaseOrigin, draft: ReplyDraft, replied_at: datetime) -> dict[str, Any]:
    """What a portal's reply callback says (signed like the status callbacks)."""
    return {
        "type": REPLY_CALLBACK_TYPE,
        "replyId": reply_id,
        "submissionId": origin.submission_id,
        "portalReference": origin.portal_reference,
        "status": draft.status.value,
        "text": draft.text,
        "documents": [d.as_json() for d in draft.documents],
        "repliedAt": replied_at.isoformat(),
    }


def read_reply(body: Any) -> tuple[ReplyDraft | None, list[FieldProblem]]:
    """The checked reply, or the problems naming each field (JSON pointers into the body)."""
    if not isinstance(body, Mapping):
        return None, [FieldProblem("", "must be a JSON object {status, text, documents}", "type")]
    problems: list[FieldProblem] = []
    unknown = sorted(set(body) - {"status", "text", "documents"})
    problems += [FieldProblem(f"/{k}", "unknown field", "additionalProperties") for k in unknown]
    status = _status(body.get("status"), problems)
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        problems.append(FieldProblem("/text", "must be a string", "type"))
    elif isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        problems.append(FieldProblem("/text", f"must be at most {MAX_TEXT_CHARS} characters", "maxLength"))
    elif isinstance(text, str) and _NOT_XML.search(text):
        # The text travels in XML (xdomea) too: only characters XML 1.0 can carry.
        problems.append(
            FieldProblem("/text", "must not contain control characters other than tab and newline", "pattern")
        )
    documents = _documents(body.get("documents", []), problems)
    if text in (None, "") and not documents and not problems:
        problems.append(FieldProblem("/text", "a reply needs a text or at least one document", "required"))
    if problems or status is None:
        return None, problems
    return ReplyDraft(status, text or None, tuple(documents)), []


def _status(raw: Any, problems: list[FieldProblem]) -> ReplyStatus | None:
    try:
        return ReplyStatus(raw)
    except ValueError:
        known = ", ".join(s.value for s in ReplyStatus)
        problems.append(FieldProblem("/status", f"must be one of {known}", "enum"))
        return None


def _documents(raw: Any, problems: list[FieldProblem]) -> list[ReplyDocument]:
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        problems.append(FieldProblem("/documents", "must be an array", "type"))
        return []
    if len(raw) > MAX_DOCUMENTS:
        problems.append(FieldProblem("/documents", f"must hold at most {MAX_DOCUMENTS} documents", "maxItems"))
        return []
    out = []
    for n, item in enumerate(raw):
        document = _document(f"/documents/{n}", item, problems)
        if document is not None:
            out.append(document)
    return out


def _document(where: str, raw: Any, problems: list[FieldProblem]) -> ReplyDocument | None:
    if not isinstance(raw, Mapping):
        problems.append(FieldProblem(where, "must be an object {fileName, mediaType, content, sha256}", "type"))
        return None
    before = len(problems)
    unknown = sorted(set(raw) - {"fileName", "mediaType", "content", "sha256"})
    problems += [FieldProblem(f"{where}/{k}", "unknown field", "additionalProperties") for k in unknown]
    name = raw.get("fileName")
    if not isinstance(name, str) or not _FILE_NAME.search(name):
        problems.append(
            FieldProblem(f"{where}/fileName", "must be a file name of 1 to 255 characters, no path", "pattern")
        )
    media_type = raw.get("mediaType")
    if not isinstance(media_type, str) or not _MEDIA_TYPE.match(media_type):
        problems.append(FieldProblem(f"{where}/mediaType", "must be a media type such as application/pdf", "pattern"))
    content = _base64(raw.get("content"))
    if content is None:
        problems.append(FieldProblem(f"{where}/content", "must be the file's bytes in base64", "contentEncoding"))
    sha256 = raw.get("sha256")
    if not isinstance(sha256, str) or not _SHA256.match(sha256.lower()):
        problems.append(FieldProblem(f"{where}/sha256", "must be the file's SHA-256 in hex", "pattern"))
    elif content is not None and hashlib.sha256(content).hexdigest() != sha256.lower():
        problems.append(FieldProblem(f"{where}/sha256", "does not match the content's SHA-256", "hash-mismatch"))
    if len(problems) > before:
        return None
    assert isinstance(name, str)
    assert isinstance(media_type, str)
    assert isinstance(sha256, str)
    assert content is not None
    return ReplyDocument(name, media_type, sha256.lower(), content)


def _base64(raw: Any) -> bytes | None:
    if not isinstance(raw, str) or not _BASE64.search(raw):
        return None
    try:
        return base64.b64decode(raw)
    except (binascii.Error, ValueError):
        return None
