"""The XTA 2 client: zeep on the official WSDL, over httpx, with the hub's error classification.

Sending follows the XTA 2 sequence: ``checkAccountActive`` (is our account usable),
``lookupService`` (does the reader offer the service), ``createMessageId``, ``sendMessage`` and
``getTransportReport``; :meth:`XtaClient.send_and_confirm` runs it and returns a receipt only for
a green report. Receiving is ``getStatusList``, ``getMessage`` and ``close``.

Every call raises :class:`~hub.errors.TransientError` or :class:`~hub.errors.PermanentError`
(see :mod:`connectors.xoev.xta.errors`), so the delivery engine can retry or dead-letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import zeep
from zeep.wsdl import Document

from connectors.xoev.xta.errors import xta_errors
from connectors.xoev.xta.metadata import XtaContent, XtaMetadata, party_to_soap
from connectors.xoev.xta.report import TransportReport
from connectors.xoev.xta.settings import Party, XtaSettings
from connectors.xoev.xta.transport import HttpxTransport, http_client
from hub.errors import PermanentError

XTA_NS = "http://xoev.de/transport/xta/211"
MANAGEMENT_BINDING = f"{{{XTA_NS}}}managementHttpsBinding"
SEND_BINDING = f"{{{XTA_NS}}}sendXTAHttpsBinding"
MSGBOX_BINDING = f"{{{XTA_NS}}}msgBoxHttpsBinding"


def zeep_settings() -> zeep.Settings:
    """Strict parsing, no DTDs, entities or network fetches; huge trees for 40 MB containers."""
    return zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True, xml_huge_tree=True)


@lru_cache(maxsize=4)
def load_wsdl(wsdl_path: Path) -> Document:
    """Parse the WSDL and its XSDs once per location and process; clients share the result.

    A zeep ``Document`` holds no connection: each client posts through its own transport.
    """
    with httpx.Client() as unused:
        # zeep annotates ``transport`` as a class, but uses (and documents) an instance.
        transport = HttpxTransport(unused)
        return Document(str(wsdl_path.resolve()), transport, settings=zeep_settings())  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class StatusList:
    """One page of the message box: the waiting messages' metadata and the box request id to close with."""

    request_id: str
    messages: list[XtaMetadata]
    pending: int


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """A message taken from the box with ``getMessage``; confirm it with :meth:`XtaClient.close_box`."""

    request_id: str
    metadata: XtaMetadata
    message: XtaContent
    attachments: list[XtaContent]


class XtaClient:
    """One XTA account. Not thread-safe in the sense of zeep's client; create one per worker thread.

    ``http`` lets the caller share a connection pool; without it the client owns one and
    :meth:`close` (or ``with``) releases it.
    """

    def __init__(self, settings: XtaSettings, *, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self._owns_http = http is None
        self._http = http if http is not None else http_client(settings.timeout, settings.tls)
        # zeep's Client is only partly annotated; its service proxies are dynamic anyway.
        client: Any = zeep.Client
        self._zeep = client(
            load_wsdl(settings.wsdl_path), transport=HttpxTransport(self._http), settings=zeep_settings()
        )
        # The WSDL's soap:address entries are placeholders: every port gets the configured address.
        endpoints = settings.endpoints
        self._management: Any = self._zeep.create_service(MANAGEMENT_BINDING, endpoints.management)
        self._send: Any = self._zeep.create_service(SEND_BINDING, endpoints.send)
        self._msgbox: Any = self._zeep.create_service(MSGBOX_BINDING, endpoints.msgbox)

    # -- management port -----------------------------------------------------------------------

    def _author_header(self) -> dict[str, Any]:
        return {"AuthorIdentifier": party_to_soap(self.settings.account)}

    def check_account_active(self) -> None:
        """Raises (PermissionDenied: permanent) unless our account may use the XTA server."""
        with xta_errors("checkAccountActive"):
            self._management.checkAccountActive(_soapheaders=self._author_header())

    def lookup_service(self, reader: Party, service: str) -> bool | None:
        """Whether ``reader`` offers ``service``; ``None`` when the XTA server cannot tell."""
        request = [{"LookupService": {"Reader": party_to_soap(reader), "ServiceType": service}}]
        with xta_errors("lookupService"):
            results = self._management.lookupService(
                LookupServiceRequestList=request, _soapheaders=self._author_header()
            )
        for result in results or []:
            value = result.IsServiceAvailableValue
            if value.ServiceIsAvailable is not None:
                return bool(value.ServiceIsAvailable)
        return None

    def create_message_id(self) -> str:
        with xta_errors("createMessageId"):
            created = self._management.createMessageId(_soapheaders=self._author_header())
        message_id: str = created._value_1
        return message_id

    def get_transport_report(self, message_id: str) -> TransportReport:
        with xta_errors("getTransportReport"):
            data = self._management.getTransportReport(message_id, _soapheaders=self._author_header())
        return TransportReport.from_soap(message_id, data)

    # -- send port -----------------------------------------------------------------------------

    def send_message(
        self,
        message: bytes | XtaContent,
        metadata: XtaMetadata,
        attachments: Sequence[XtaContent] = (),
    ) -> None:
        """Hand one message to XTA; ``metadata.message_id`` must come from :meth:`create_message_id`."""
        content = message if isinstance(message, XtaContent) else XtaContent(message)
        size = len(content.data) + sum(len(a.data) for a in attachments)
        container = {"Message": content.to_soap(), "Attachment": [a.to_soap() for a in attachments]}
        header = {"MessageMetaData": metadata.to_soap(size)}
        with xta_errors("sendMessage"):
            self._send.sendMessage(ContentContainer=container, _soapheaders=header)

    def prepare(self, metadata: XtaMetadata) -> XtaMetadata:
        """The first half of a send: account usable, service offered, a fresh message id stamped in."""
        self.check_account_active()
        if self.lookup_service(metadata.reader, metadata.service) is False:
            raise PermanentError(f"XTA reader {metadata.reader.identifier} does not offer service {metadata.service}")
        return metadata.with_message_id(self.create_message_id())

    def send_and_confirm(
        self,
        message: bytes | XtaContent,
        metadata: XtaMetadata,
        attachments: Sequence[XtaContent] = (),
    ) -> dict[str, Any]:
        """The whole XTA send sequence; a receipt dict for a green report, else an error.

        A message that was sent but is not yet green raises TransientError naming its id. Callers
        that retry should ask after that id first (``get_transport_report``) instead of sending
        again, as the ``xoev-xta`` connector does.
        """
        stamped = self.prepare(metadata)
        sent_at = datetime.now(UTC)
        self.send_message(message, stamped, attachments)
        assert stamped.message_id is not None
        return self.get_transport_report(stamped.message_id).confirm(sent_at)

    # -- message box port ----------------------------------------------------------------------

    def get_status_list(self, max_items: int | None = None) -> StatusList:
        """Metadata of the messages waiting in our box (at most ``max_items``)."""
        kwargs: dict[str, Any] = {"ListForm": "MessageMetaData"}
        if max_items is not None:
            kwargs["maxListItems"] = max_items
        with xta_errors("getStatusList"):
            answer = self._msgbox.getStatusList(**kwargs, _soapheaders=self._author_header())
        box = answer.header.FetchResponseHeader
        return StatusList(
            request_id=box.MsgBoxRequestID,
            messages=[XtaMetadata.from_soap(m) for m in answer.body.MessageMetaData],
            # zeep leaves out the choice member that is absent (NoMessageAvailable vs ItemsPending).
            pending=int(getattr(box, "ItemsPending", None) or 0),
        )

    def get_message(self, message_id: str | None = None) -> FetchedMessage:
        """One message from our box: the given one, or the oldest waiting."""
        selector = {"MessageID": [{"_value_1": message_id}]} if message_id else None
        with xta_errors("getMessage"):
            answer = self._msgbox.getMessage(MsgSelector=selector, _soapheaders=self._author_header())
        container = answer.body.ContentContainer
        if container is None:
            raise PermanentError("XTA getMessage: the message is end-to-end encrypted; decryption is not supported")
        return FetchedMessage(
            request_id=answer.header.FetchResponseHeader.MsgBoxRequestID,
            metadata=XtaMetadata.from_soap(answer.header.MessageMetaData),
            message=XtaContent.from_soap(container.Message),
            attachments=[XtaContent.from_soap(a) for a in container.Attachment],
        )

    def close_box(self, request_id: str, message_ids: Sequence[str]) -> None:
        """XTA ``close``: confirm these messages as received; the server removes them from our box."""
        received = [{"_value_1": mid} for mid in message_ids]
        with xta_errors("close"):
            self._msgbox.close(MsgBoxRequestID=request_id, LastMsgReceived=received, _soapheaders=self._author_header())

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Release the HTTP connections if this client opened them."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> XtaClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
