"""The ``xoev-xta`` connector: an XÖV message built at intake, sent through an XTA 2 server.

``build`` (at intake) makes the message one of two ways:

* by default from the XML mapping spec of (service, the destination's ``standard``): the envelope plus
  the XÖV frame (:mod:`connectors.xoev.frame`: message id, timestamps, author and reader
  Behördenkennung from the settings) is mapped and validated against the standard's XSD and
  Schematron (:class:`~connectors.xoev.document.XoevDocumentBuilder`); problems are a 422 naming
  the payload's fields;
* or by the destination's ``builder`` — ``fn(submission, message_id, destination) -> bytes`` — an
  escape hatch for messages no spec can express; the result must be well-formed, safe XML.

It stores the message with the metadata that must not change between attempts (subject, payload
schema). ``send`` (in a worker) runs the XTA send sequence and returns a receipt for a green
transport report; the client classifies failures (PermissionDenied and RED: permanent;
TechnicalProblem, network, 5xx, a 2xx that is no SOAP envelope, OPEN/YELLOW: transient). All five
calls of a send share the attempt's one deadline (:mod:`hub.connectors.deadline`): each is bounded
by what the earlier ones left, so five calls just under ``timeoutSeconds`` cannot add up past it.
A retry first asks after the message an earlier attempt sent (:mod:`connectors.xoev.xta_pending`)
instead of sending a second copy.

The hub's message id cannot be the XTA message id: XTA assigns those (``createMessageId``), and a
message that never arrived is sent again under a fresh one. So the hub id travels

* inside the XÖV message (``nachrichtenUUID`` in the ``nachrichtenkopf``): the id by which an XÖV
  reader discards a repeat;
* in the OSCI metadata's ``Qualifier/Subject`` (template ``subject``, default
  ``Hub-Nachricht {messageId}``), visible in the reader's status list before fetching;
* in the receipt: ``reference`` is the XTA message id of the confirmed send.

Settings: see :mod:`connectors.xoev.xta_destination`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from lxml import etree

from connectors.xoev.document import XoevDocumentBuilder
from connectors.xoev.frame import message_frame, with_frame
from connectors.xoev.xta import XtaClient, XtaContent, XtaMetadata
from connectors.xoev.xta.errors import UnknownMessageId
from connectors.xoev.xta.transport import http_client
from connectors.xoev.xta_destination import XtaDestination
from connectors.xoev.xta_pending import PendingSends, SentMessage
from hub.connectors.base import Connector, Destination, OutboundMessage, Receipt, SubmissionData
from hub.errors import ConfigError, PermanentError
from hub.mapping.xml import XmlMappingSpec
from hub.xml import XmlError, parse_xml

MEDIA_TYPE = "application/xml"
HUB_MESSAGE_ID = "X-Hub-Message-Id"
HUB_SUBMISSION_ID = "X-Hub-Submission-Id"
XTA_SUBJECT = "X-Xta-Subject"
XTA_PAYLOAD_SCHEMA = "X-Xta-Payload-Schema"

Builder = Callable[[SubmissionData, str, Destination], bytes]


def load_builder(reference: str, destination_id: str = "?") -> Builder:
    """The function named ``module.path:function`` (``function`` may be dotted: ``Class.method``)."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"destination {destination_id!r} (xoev-xta): builder {reference!r} is not 'module:function'")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"destination {destination_id!r} (xoev-xta): builder {reference!r} not found: {exc}") from exc
    if not callable(found):
        raise ConfigError(f"destination {destination_id!r} (xoev-xta): builder {reference!r} is not callable")
    builder: Builder = found
    return builder


class _ClientPool:
    """XTA clients for concurrent sends: zeep's client is not thread-safe, so each send borrows its own.

    All clients share one httpx connection pool (httpx clients are thread-safe); the number of
    clients grows to the destination's concurrency at most, since that many sends run at once.
    """

    def __init__(self, config: XtaDestination, concurrency: int) -> None:
        self._config = config
        self._http: httpx.Client = http_client(config.client.timeout, config.client.tls, max_connections=concurrency)
        self._idle: list[XtaClient] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def client(self) -> Iterator[XtaClient]:
        with self._lock:
            client = self._idle.pop() if self._idle else None
        if client is None:
            client = XtaClient(self._config.client, http=self._http)
        try:
            yield client
        finally:
            with self._lock:
                if not self._closed:
                    self._idle.append(client)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._idle.clear()
        self._http.close()


class XtaConnector(Connector):
    name = "xoev-xta"
    # checkAccountActive, lookupService, createMessageId, sendMessage, getTransportReport
    requests_per_send = 5
    sends_attachments = True  # XTA carries files as attachments of the transport container

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Settings are read on first use, so a broken destination fails its builds (at intake) and its
        # sends (retried, with the reason in lastError) instead of the worker that constructs it.
        self._lock = threading.Lock()
        self._config: XtaDestination | None = None
        self._builder: Builder | None = None
        self._documents: dict[str, XoevDocumentBuilder] = {}
        self._pool: _ClientPool | None = None
        self._pending = PendingSends()

    @property
    def config(self) -> XtaDestination:
        with self._lock:
            if self._config is None:
                self._config = XtaDestination.read(self.destination, self.context.schemas)
            return self._config

    @property
    def builder(self) -> Builder:
        config = self.config
        with self._lock:
            if self._builder is None:
                if config.builder is None:
                    self._builder = self._build_from_spec
                else:
                    self._builder = load_builder(config.builder, self.destination.id)
            return self._builder

    def document_builder(self, service: str) -> XoevDocumentBuilder:
        """The service's spec for the destination's standard, bound and with its validators (cached)."""
        with self._lock:
            found = self._documents.get(service)
        if found is not None:
            return found
        standard = self.destination.standard
        if not standard:
            raise self._fail("set the destination's 'standard' (the XML mapping spec's) or a 'builder'")
        spec = self.context.mappings.xml_spec(service, standard)
        if spec is None:
            raise self._fail(f"no XML mapping spec for service {service!r} and standard {standard!r}")
        if self.context.schemas is None:
            raise self._fail("the hub was started without a schema catalog (HUB_SCHEMA_PATH)")
        built = XoevDocumentBuilder(spec, self.context.schemas, root=self.document_root(spec))
        with self._lock:
            return self._documents.setdefault(service, built)

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

    @property
    def pool(self) -> _ClientPool:
        config = self.config
        with self._lock:
            if self._pool is None:
                self._pool = _ClientPool(config, max(self.destination.concurrency, 1))
            return self._pool

    # -- intake ----------------------------------------------------------------------------------

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        config = self.config
        body = self.builder(submission, message_id, self.destination)
        if not isinstance(body, bytes):
            raise self._fail(f"builder {config.builder!r} returned {type(body).__name__}, not bytes")
        try:
            root = parse_xml(body)
        except XmlError as exc:
            raise self._fail(f"builder {config.builder!r} made no usable XML: {exc}") from exc
        payload_schema = config.payload_schema or etree.QName(root).namespace
        if not payload_schema:
            raise self._fail("the message's root element has no namespace: set 'payloadSchema'")
        subject = config.subject.format_map(
            {
                "messageId": message_id,
                "submissionId": submission.id,
                "service": submission.service,
                "municipality": submission.municipality,
            }
        )
        headers = {
            HUB_MESSAGE_ID: message_id,
            HUB_SUBMISSION_ID: submission.id,
            XTA_SUBJECT: subject,
            XTA_PAYLOAD_SCHEMA: str(payload_schema),
        }
        return OutboundMessage(message_id, MEDIA_TYPE, body, headers=headers)

    # -- worker ----------------------------------------------------------------------------------

    def metadata(self, message: OutboundMessage) -> XtaMetadata:
        config = self.config
        return XtaMetadata(
            author=config.client.account,
            reader=config.reader,
            service=config.service,
            business_scenario=config.business_scenario,
            message_type=config.message_type,
            payload_schema=message.headers.get(XTA_PAYLOAD_SCHEMA) or config.payload_schema or config.service,
            subject=message.headers.get(XTA_SUBJECT),
            test=config.test,
        )

    def send(self, message: OutboundMessage) -> Receipt:
        metadata = self.metadata(message)
        with self.pool.client() as client:
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
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _fail(self, what: str) -> ConfigError:
        return ConfigError(f"destination {self.destination.id!r} ({self.name}): {what}")
