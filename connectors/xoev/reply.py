"""The ``xoev-xta-reply`` connector: a reply to a case received from an XTA 2 box, sent from that
box's account to the message's author at the same XTA server (docs/replies.md).

Its destination is derived from the box's source (``reply-xta:<source id>``,
:func:`hub.connectors.replies.reply_destination`): the same server, WSDL, account, TLS files and
timeouts. The reader differs per reply (each case has its own author), so it is stored with the
message (header :data:`XTA_READER`) and put into the OSCI metadata at send time; everything else
of the send (lease, the five calls under one deadline, the transport report, a retry asking after
an earlier attempt's message) is :class:`~connectors.xoev.connector.XtaConnector`'s.

The message is xdomea 3.1.0 ``Information.Information.0101`` (:mod:`connectors.xoev.reply_message`),
checked against the catalog's xdomea XSD when the reply is posted; the documents travel as XTA
attachments under the names the message gives them. XTA metadata defaults (each overridable in the
source's settings under the same keys as an ``xoev-xta`` destination)::

    service / payloadSchema: urn:xoev-de:xdomea:schema:3.1.0
    businessScenario: XDOMEA_DATA (urn:de:dataport:codeliste:business.scenario 1; UNVERIFIED offline)
    messageType: 0101 Information.Information.0101 (urn:xoev-de:xdomea:codeliste:nachrichtentyp 2.0)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lxml import etree

from connectors.xoev import reply_message
from connectors.xoev.connector import XtaConnector
from connectors.xoev.message import HUB_MESSAGE_ID, HUB_SUBMISSION_ID, XTA_PAYLOAD_SCHEMA, XTA_SUBJECT, xta_metadata
from connectors.xoev.xta import Party, XtaMetadata
from hub.connectors.base import Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.replies import BUNDLE_MEDIA_TYPE, ReplyMessage, bundle, unbundle
from hub.connectors.schemas import SchemaNotInstalled

XTA_READER = "X-Xta-Reader"
SUBJECT = "Antwort zu {submissionId} (Hub-Nachricht {messageId})"

DEFAULTS: dict[str, Any] = {
    "service": reply_message.NAMESPACE,
    "payloadSchema": reply_message.NAMESPACE,
    "businessScenario": {
        "code": "XDOMEA_DATA",
        "listUri": "urn:de:dataport:codeliste:business.scenario",
        "listVersion": "1",
    },
    "messageType": {
        "code": reply_message.MESSAGE_CODE,
        "listUri": "urn:xoev-de:xdomea:codeliste:nachrichtentyp",
        "listVersion": "2.0",
        "name": reply_message.MESSAGE_NAME,
    },
    "subject": SUBJECT,
}


class XtaReplyConnector(XtaConnector):
    name = "xoev-xta-reply"
    sends_attachments = False  # the reply's documents are in its stored bundle, not the case's files
    default_settings = DEFAULTS

    @classmethod
    def with_defaults(cls, destination: Destination) -> Destination:
        # The settings reader wants a reader; each reply names its own (XTA_READER), so the box's
        # account stands in until the message says whom it answers.
        found = super().with_defaults(destination)
        if "reader" in found.settings:
            return found
        return replace(found, settings={**found.settings, "reader": found.settings.get("account")})

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        raise self._fail("sends replies only (docs/replies.md), no submissions")

    def pass_on(self, submission: SubmissionData, message_id: str, content: bytes, media_type: str) -> OutboundMessage:
        raise self._fail("sends replies only (docs/replies.md), no received messages")

    def build_reply(self, reply: ReplyMessage) -> OutboundMessage:
        """The xdomea answer, XSD-checked, with the headers every attempt repeats."""
        account = self.config.client.account
        reader = str(reply.way_back.details["reader"])
        received = reply.origin.received
        information = reply_message.InformationReply(
            message_id=reply.message_id,
            reply_id=reply.reply_id,
            created_at=reply.replied_at,
            sender=reply_message.Party(account.identifier, account.name or account.identifier),
            receiver=reply_message.Party(reader, reader),
            status=reply.draft.status,
            text=reply.draft.text,
            reference=received.message_uuid if received is not None else None,
            documents=reply.draft.documents,
        )
        xml = reply_message.build(information)
        self._validate(xml)
        subject = self.config.subject.format_map(
            {"messageId": reply.message_id, "submissionId": reply.origin.submission_id, "service": "reply",
             "municipality": reply.origin.municipality}
        )  # fmt: skip
        headers = {
            HUB_MESSAGE_ID: reply.message_id,
            HUB_SUBMISSION_ID: reply.origin.submission_id,
            XTA_SUBJECT: subject,
            XTA_PAYLOAD_SCHEMA: reply_message.NAMESPACE,
            XTA_READER: reader,
        }
        body = bundle(xml, "application/xml", reply_message.attachments(information))
        return OutboundMessage(reply.message_id, BUNDLE_MEDIA_TYPE, body, headers=headers)

    def _validate(self, xml: bytes) -> None:
        catalog = self.context.schemas
        if catalog is None:
            raise self._fail("cannot check replies: no schema catalog (HUB_SCHEMA_PATH)")
        try:
            validator = catalog.validator(reply_message.SCHEMA_SET, reply_message.SCHEMA_ENTRY)
        except SchemaNotInstalled as exc:
            raise self._fail(f"cannot check replies: {exc}") from exc
        problems = validator.validate(etree.fromstring(xml))
        if problems:
            # Our own message failing its schema is a defect of the hub, not the caller's input.
            raise self._fail(f"the xdomea reply does not validate: {problems[0]}")

    def metadata(self, message: OutboundMessage) -> XtaMetadata:
        base = xta_metadata(self.config, message)
        return replace(base, reader=Party(message.headers[XTA_READER], "xoev"))

    def send(self, message: OutboundMessage) -> Receipt:
        stored = unbundle(message.body)
        return super().send(
            OutboundMessage(message.message_id, stored.media_type, stored.message, message.headers, stored.documents)
        )
