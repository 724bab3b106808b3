"""Status callbacks to a portal: the change as JSON, signed like FIT-Connect callbacks.

The signature is made at send time, so each attempt carries a fresh ``callback-timestamp``
and a receiver's five-minute window holds for retries too. The portal's answer needs no body; a 2xx
with an HTML page (a proxy's or a login wall's, not the portal's) is retried.
"""

from __future__ import annotations

from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.http import raise_for_delivery, refuse_html_page
from hub.connectors.http_connector import HttpConnector
from hub.errors import ConfigError
from hub.signing import signed_headers


class PortalCallbackConnector(HttpConnector):
    name = "portal-callback"

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self.url = str(self.destination.setting("url"))
        self.secret = str(self.destination.setting("secret"))

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        raise ConfigError("status callbacks are built by the delivery store, not from a submission")

    def send(self, message: OutboundMessage) -> Receipt:
        headers = {
            "Content-Type": message.media_type,
            "Idempotency-Key": message.message_id,
            **signed_headers(self.secret, message.body),
        }
        response = self.post(self.url, content=message.body, headers=headers)
        raise_for_delivery(response)
        refuse_html_page(response, "the portal")
        return Receipt(reference=None, status_code=response.status_code)
