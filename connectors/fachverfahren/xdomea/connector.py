"""The ``fachverfahren-xdomea`` connector: an application as xdomea 3.1.0 for a municipal DMS / e-file system.

The destination's ``transport`` says how the message travels (see :mod:`.settings`):

* ``http``: :class:`~.http.XdomeaHttpConnector`, the xdomea ZIP container POSTed to the DMS;
* ``xta``: :class:`~.xta.XdomeaXtaConnector`, the XML over XTA 2 with the files as attachments.

Either way the message is built at intake from the standard's mapping spec (by default
``mappings/any.xdomea-3.1.0.yaml``, for every service) and checked against the official XSD; a
retry sends the same message. This class only picks the transport and hands every call on.
"""

from __future__ import annotations

from typing import ClassVar

from connectors.fachverfahren.xdomea import settings
from hub.connectors.base import Connector, ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse

XTA_REQUESTS = 5  # checkAccountActive, lookupService, createMessageId, sendMessage, getTransportReport


class XdomeaConnector(Connector):
    name = settings.CONNECTOR
    sends_attachments: ClassVar[bool] = True  # both transports carry the files beside the message

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        # The lease must cover the transport's requests; settings errors surface on first use, not here.
        if destination.settings.get("transport") == settings.Transport.XTA:
            self.requests_per_send = XTA_REQUESTS  # type: ignore[misc]
        self._inner = FirstUse(self._transport)

    def _transport(self) -> Connector:
        if settings.transport(self.destination) is settings.Transport.XTA:
            from connectors.fachverfahren.xdomea.xta import XdomeaXtaConnector  # zeep only when used

            return XdomeaXtaConnector(self.destination, self.context)
        from connectors.fachverfahren.xdomea.http import XdomeaHttpConnector

        return XdomeaHttpConnector(self.destination, self.context)

    @property
    def inner(self) -> Connector:
        return self._inner.get()

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return self.inner.build(submission, message_id)

    def pass_on(self, submission: SubmissionData, message_id: str, content: bytes, media_type: str) -> OutboundMessage:
        return self.inner.pass_on(submission, message_id, content, media_type)

    def send(self, message: OutboundMessage) -> Receipt:
        return self.inner.send(message)

    def close(self) -> None:
        inner = self._inner.take()
        if inner is not None:
            inner.close()
