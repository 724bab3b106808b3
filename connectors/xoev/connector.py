"""The ``xoev-xta`` connector: an XÖV message built at intake, sent through an XTA 2 server.

``build`` (at intake) makes the message one of two ways:

* by default from the XML mapping spec of (service, the destination's ``standard``): the envelope plus
  the XÖV frame (:mod:`connectors.xoev.frame`: message id, timestamps, author and reader
  Behördenkennung from the settings) is mapped and validated against the standard's XSD and
  Schematron (:class:`~hub.connectors.xml_target.XmlTargetBuilder`); problems are a 422 naming
  the payload's fields;
* or by the destination's ``builder`` — ``fn(submission, message_id, destination) -> bytes`` — an
  escape hatch for messages no spec can express; the result must be well-formed, safe XML.

It stores the message with the metadata that must not change between attempts (subject, payload
schema). ``send`` (in a worker) runs the XTA send sequence and returns a receipt for a green
transport report; the client classifies failures (PermissionDenied and RED: permanent;
TechnicalProblem, network, 5xx, a 2xx that is no SOAP envelope, OPEN/YELLOW: transient). All five
calls of a send share the attempt's one deadline (:mod:`hub.connectors.deadline`): each is bounded
by what the earlier ones left, so five calls just under ``timeoutSeconds`` cannot add up past it.
A retry first asks after the message an earlier attempt sent (:mod:`connectors.xoev.pending`)
instead of sending a second copy.

The hub's message id cannot be the XTA message id: XTA assigns those (``createMessageId``), and a
message that never arrived is sent again under a fresh one. So the hub id travels

* inside the XÖV message (``nachrichtenUUID`` in the ``nachrichtenkopf``): the id by which an XÖV
  reader discards a repeat;
* in the OSCI metadata's ``Qualifier/Subject`` (template ``subject``, default
  ``Hub-Nachricht {messageId}``), visible in the reader's status list before fetching;
* in the receipt: ``reference`` is the XTA message id of the confirmed send.

Settings: see :mod:`connectors.xoev.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from connectors.xoev.frame import message_frame, with_frame
from connectors.xoev.message import Builder, load_builder, stored_message, xta_metadata
from connectors.xoev.pending import PendingSends, SentMessage
from connectors.xoev.settings import XtaDestination
from connectors.xoev.xta import XtaClient, XtaContent, XtaMetadata
from connectors.xoev.xta.errors import UnknownMessageId
from connectors.xoev.xta.transport import http_client
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.http_connector import HttpConnector
from hub.connectors.lending import ClientLender
from hub.connectors.mapping import XmlMappingSpec
from hub.connectors.xml_target import XmlTargetBuilder, XmlTargets
from hub.errors import ConfigError, PermanentError


class XtaConnector(HttpConnector):
    name = "xoev-xta"
    # checkAccountActive, lookupService, createMessageId, sendMessage, getTransportReport
    requests_per_send = 5
    sends_attachments = True  # XTA carries files as attachments of the transport container
    #: What every destination of a kind sending over XTA shares (its transport defaults), each
    #: overridable in the destination's ``settings``; and its mapping standard when it names none.
    default_settings: ClassVar[Mapping[str, Any]] = {}
    default_standard: ClassVar[str | None] = None

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(self.with_defaults(destination), context)
        # Settings are read on first use, so a broken destination fails its builds (at intake) and its
        # sends (retried, with the reason in lastError) instead of the worker that constructs it.
        self._config = FirstUse(lambda: XtaDestination.read(self.destination, self.context.schemas))
        self._builder = FirstUse(self._load_builder)
        self._documents = XmlTargets(self.context, self._fail)
        # zeep's client is not thread-safe: each send borrows its own; all share one connection pool.
        self._clients = FirstUse(lambda: ClientLender(lambda: XtaClient(self.config.client, http=self.client)))
        self._pending = PendingSends()

    @classmethod
    def with_defaults(cls, destination: Destination) -> Destination:
        """The destination with the kind's :attr:`default_settings` and :attr:`default_standard` filled in."""
        if not cls.default_settings and cls.default_standard is None:
            return destination
        return replace(
            destination,
            settings={**cls.default_settings, **destination.settings},
            standard=destination.standard or cls.default_standard,
        )

    @property
    def config(self) -> XtaDestination:
        return self._config.get()

    def make_client(self) -> httpx.Client:
        config = self.config
        return http_client(
            config.client.timeout, config.client.tls, max_connections=max(self.destination.concurrency, 1)
        )

    @property
    def builder(self) -> Builder:
        return self._builder.get()

    def _load_builder(self) -> Builder:
        reference = self.config.builder
        return self._build_from_spec if reference is None else load_builder(reference, self.destination.id)

    def document_builder(self, service: str) -> XmlTargetBuilder:
        """The service's spec for the destination's standard, bound and with its validators (cached)."""
        standard = self.destination.standard
        if not standard:
            raise self._fail("set the destination's 'standard' (the XML mapping spec's) or a 'builder'")
        return self._documents.get(service, standard, self.document_root)

    def document_root(self, spec: XmlMappingSpec) -> str | None:
        """The root element (``prefix:name``) the destination's messages have, if not the spec's (a hook)."""
        return None

    def _build_from_spec(self, submission: SubmissionData, message_id: str, destination: Destination) -> bytes:
        config = self.config
        if config.xoev_author is None or config.xoev_reader is None:
            raise self._fail("needs 'author' and 'reader' as Behördenkennung {prefix, code, name} for the XÖV header")
        document = self.document_builder(submission.service)
        frame = message_frame(submission, message_id, config.xoev_author, config.xoev_reader)
        return document.build(with_frame(submission, frame))

    # -- intake ----------------------------------------------------------------------------------

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        config = self.config
        body = self.builder(submission, message_id, self.destination)
        return stored_message(body, submission, message_id, config, self._fail)

    def pass_on(self, submission: SubmissionData, message_id: str, content: bytes, media_type: str) -> OutboundMessage:
        """A received XÖV message, byte for byte, with the headers every attempt repeats (inbound mailroom)."""
        return stored_message(content, submission, message_id, self.config, self._fail)

    # -- worker ----------------------------------------------------------------------------------

    def metadata(self, message: OutboundMessage) -> XtaMetadata:
        return xta_metadata(self.config, message)

    def send(self, message: OutboundMessage) -> Receipt:
        metadata = self.metadata(message)
        with self._clients.get().borrow() as client:
            confirmed = self._confirm_earlier(client, message.message_id)
            if confirmed is None:
                content = XtaContent(message.body, message.media_type)
                files = [XtaContent(a.content, a.media_type, filename=a.file_name) for a in message.attachments]
                stamped = client.prepare(metadata)
                assert stamped.message_id is not None
                sent = SentMessage(stamped.message_id, datetime.now(UTC))
                # Remembered before sending: if the answer is lost, the message may still have arrived.
                self._pending.remember(message.message_id, sent)
                client.send_message(content, stamped, files)
                confirmed = self._confirm(client, message.message_id, sent)
        detail = {key: value for key, value in confirmed.items() if key != "messageId"}
        return Receipt(reference=str(confirmed["messageId"]), status_code=None, detail=detail)

    def _confirm_earlier(self, client: XtaClient, message_id: str) -> dict[str, Any] | None:
        """The receipt of an earlier attempt's send, if it is confirmed now; None to send (again)."""
        sent = self._pending.get(message_id)
        if sent is None:
            return None
        try:
            return self._confirm(client, message_id, sent, resumed=True)
        except UnknownMessageId:
            return None  # it never reached the server: send afresh

    def _confirm(
        self, client: XtaClient, message_id: str, sent: SentMessage, *, resumed: bool = False
    ) -> dict[str, Any]:
        """Its transport report: GREEN → the receipt; RED → dead; OPEN/YELLOW/no answer → retried later."""
        try:
            confirmed = client.get_transport_report(sent.xta_message_id).confirm(sent.sent_at)
        except PermanentError:  # RED, or the server does not know it: nothing left to ask after
            self._pending.forget(message_id)
            raise
        self._pending.forget(message_id)
        return {**confirmed, "confirmedOnRetry": True} if resumed else confirmed

    def close(self) -> None:
        clients = self._clients.take()
        if clients is not None:
            clients.close()
        super().close()

    def _fail(self, what: str) -> ConfigError:
        return ConfigError(f"destination {self.destination.id!r} ({self.name}): {what}")
