"""The domain's rules of replies (hub/domain/replies.py): which way back a case has, when it has
none, what a reply body must be; and the xdomea answer checked against the official XSD."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree

from connectors.xoev import reply_message
from hub.domain.replies import (
    CaseOrigin,
    NoChannelBack,
    ReceivedFrom,
    ReplyChannel,
    ReplyDocument,
    ReplyStatus,
    callback_body,
    read_reply,
    source_of_reply_destination,
    way_back,
)
from tests.support.fitconnect import schema_catalog

KEY = {"kty": "RSA", "alg": "RSA-OAEP-256", "kid": "sender-reply-1", "key_ops": ["wrapKey"], "n": "x", "e": "AQAB"}


def _origin(received: ReceivedFrom | None = None, *, callback: bool = True, purged: bool = False) -> CaseOrigin:
    return CaseOrigin("s-1", "client-1", "05562014", "GLA-1", callback, received, purged)


def _fit(reply_channel: Any, header: dict[str, str] | None = None) -> ReceivedFrom:
    header = {"submissionId": "fc-sub", "caseId": "fc-case"} if header is None else header
    return ReceivedFrom("wohngeld", "fitconnect-subscriber", None, "fc-sub", reply_channel, header)


def test_each_kind_of_case_has_its_way_back() -> None:
    assert way_back(_origin()).channel is ReplyChannel.PORTAL_CALLBACK
    assert way_back(_origin()).destination_id == "portal-callback:client-1"
    xta = way_back(_origin(ReceivedFrom("gewerbeamt", "xta-msgbox", "gwa:05000000", "uuid-1")))
    assert (xta.channel, xta.destination_id, xta.details["reader"]) == (
        ReplyChannel.XTA,
        "reply-xta:gewerbeamt",
        "gwa:05000000",
    )
    fit = way_back(_origin(_fit({"fitConnect": {"processStandards": ["urn:x"], "encryptionPublicKey": KEY}})))
    assert (fit.channel, fit.destination_id) == (ReplyChannel.FIT_CONNECT, "reply-fit-connect:wohngeld")
    assert (fit.details["submissionId"], fit.details["caseId"], fit.details["encryptionPublicKey"]) == (
        "fc-sub",
        "fc-case",
        KEY,
    )
    assert source_of_reply_destination("reply-xta:gewerbeamt") == (ReplyChannel.XTA, "gewerbeamt")
    assert source_of_reply_destination("reply-fit-connect:w") == (ReplyChannel.FIT_CONNECT, "w")
    assert source_of_reply_destination("gladbeck-fachverfahren") is None


@pytest.mark.parametrize(
    ("origin", "reason"),
    [
        (_origin(callback=False), "no callback URL"),
        (_origin(purged=True), "purged"),
        (_origin(ReceivedFrom("gewerbeamt", "xta-msgbox", None)), "names no author"),
        (_origin(_fit(None)), "replyChannel.fitConnect"),
        (_origin(_fit({"eMail": {"address": "a@example.org"}})), "replyChannel.fitConnect"),
        (_origin(_fit({"fitConnect": {"encryptionPublicKey": {**KEY, "alg": "RSA1_5"}}})), "RSA-OAEP-256"),
        (_origin(_fit({"fitConnect": {"encryptionPublicKey": KEY}}, header={})), "submission and case id"),
        (_origin(ReceivedFrom("other", "sftp-drop", "x")), "take no reply"),
    ],
)
def test_a_case_without_a_way_back_says_why(origin: CaseOrigin, reason: str) -> None:
    with pytest.raises(NoChannelBack, match=reason):
        way_back(origin)


def _document(data: bytes = b"%PDF-1.7 x", **changes: Any) -> dict[str, Any]:
    raw = {
        "fileName": "Bescheid.pdf",
        "mediaType": "application/pdf",
        "content": base64.b64encode(data).decode(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return {**raw, **changes}


def test_a_good_reply_is_read_with_its_documents() -> None:
    draft, problems = read_reply(
        {"status": "needs-information", "text": "Bitte nachreichen.", "documents": [_document()]}
    )
    assert problems == []
    assert draft is not None
    assert (draft.status, draft.text) == (ReplyStatus.NEEDS_INFORMATION, "Bitte nachreichen.")
    [doc] = draft.documents
    assert (doc.file_name, doc.content, doc.describe()["size"]) == ("Bescheid.pdf", b"%PDF-1.7 x", 10)
    only_document, none = read_reply({"status": "approved", "documents": [_document()]})
    assert none == []
    assert only_document is not None
    assert only_document.text is None


@pytest.mark.parametrize(
    ("body", "pointers"),
    [
        ([], [""]),
        ({"status": "done", "text": "x"}, ["/status"]),
        ({"status": "other", "text": "x" * 20_001}, ["/text"]),
        ({"status": "other", "text": "a\x00b"}, ["/text"]),
        ({"status": "other", "text": "XML 1.0 cannot carry \x01"}, ["/text"]),
        ({"status": "other"}, ["/text"]),
        ({"status": "other", "text": "x", "documents": {}}, ["/documents"]),
        ({"status": "other", "documents": [_document(sha256="ab" * 32)]}, ["/documents/0/sha256"]),
        ({"status": "other", "documents": [_document(fileName="a/b.pdf")]}, ["/documents/0/fileName"]),
        ({"status": "other", "documents": [_document(mediaType="pdf")]}, ["/documents/0/mediaType"]),
        ({"status": "other", "documents": [_document(content="%%%")]}, ["/documents/0/content"]),
        ({"status": "other", "text": "x", "documents": [_document(extra=1)]}, ["/documents/0/extra"]),
        ({"status": "other", "text": "x", "by": "me"}, ["/by"]),
    ],
)
def test_bad_reply_bodies_name_each_field(body: Any, pointers: list[str]) -> None:
    draft, problems = read_reply(body)
    assert draft is None
    assert [p.pointer for p in problems] == pointers


def test_the_portal_callback_of_a_reply_carries_the_documents() -> None:
    draft, _ = read_reply({"status": "approved", "text": "Ja.", "documents": [_document()]})
    assert draft is not None
    body = callback_body("r-1", _origin(), draft, datetime(2026, 12, 3, tzinfo=UTC))
    assert (body["type"], body["replyId"], body["submissionId"], body["portalReference"]) == (
        "reply",
        "r-1",
        "s-1",
        "GLA-1",
    )
    assert base64.b64decode(body["documents"][0]["content"]) == b"%PDF-1.7 x"


def _information(**changes: Any) -> reply_message.InformationReply:
    values: dict[str, Any] = {
        "message_id": "3f2c0b7e-1111-4222-8333-444455556666",
        "reply_id": "6c1f0b7e-1111-4222-8333-444455556666",
        "created_at": datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
        "sender": reply_message.Party("dvdv:05562014-gewerbeamt", "Gewerbeamt Gladbeck"),
        "receiver": reply_message.Party("gwa:05000000", "gwa:05000000"),
        "status": ReplyStatus.REJECTED,
        "text": "Abgelehnt.",
        "reference": "00000000-0000-0000-0000-000000000001",
        "documents": [ReplyDocument("Bescheid (1).pdf", "application/pdf", "00" * 32, b"%PDF-1.4 y")],
    }
    return reply_message.InformationReply(**{**values, **changes})


def test_the_xdomea_answer_is_valid_and_a_broken_one_is_not() -> None:
    validator = schema_catalog().validator(reply_message.SCHEMA_SET, reply_message.SCHEMA_ENTRY)
    root = etree.fromstring(reply_message.build(_information()))
    assert validator.validate(root) == []
    assert validator.validate(etree.fromstring(reply_message.build(_information(documents=[], text=None)))) == []
    name = root.find(".//{urn:xoev-de:xdomea:schema:3.1.0}Dateiname")
    assert name is not None
    assert name.text is not None
    assert name.text.endswith("_Bescheid_1_.pdf")
    assert reply_message.attachments(_information())[0].file_name == name.text
    # The check is not vacuous: a message whose ProzessID is no UUID fails the XSD
    broken = etree.fromstring(reply_message.build(_information(message_id="not-a-uuid")))
    assert validator.validate(broken) != []
