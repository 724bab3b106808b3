"""The ``echo-json`` connector: a submission as plain JSON, POSTed to the destination's ``url``.

The hub's message id travels in ``Idempotency-Key`` and in the body's ``messageId``, so the receiver
can discard a repeat after a lost answer. The HTTP base owns the client (pooled, bounded by the
attempt's deadline) and classifies what goes wrong (:mod:`hub.connectors.http`). Settings: see
:mod:`.settings`; the message: :mod:`.message`.
"""

from __future__ import annotations

from emscher_echo_connector.message import build_message
from emscher_echo_connector.settings import CONNECTOR, EchoSettings
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.http import raise_for_delivery
from hub.connectors.http_connector import HttpConnector


class EchoJsonConnector(HttpConnector):
    """A submission as plain JSON, POSTed to a URL with the message id as Idempotency-Key."""

    name = CONNECTOR

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self.settings = EchoSettings.read(destination)

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return build_message(submission, message_id)

    def send(self, message: OutboundMessage) -> Receipt:
        headers = {"Content-Type": message.media_type, "Idempotency-Key": message.message_id, **message.headers}
        response = self.post(self.settings.url, content=message.body, headers=headers)
        raise_for_delivery(response)  # TransientError for 408/425/429/5xx, PermanentError for other 4xx
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        reference = answer.get("receiptId") if isinstance(answer, dict) else None
        return Receipt(reference=str(reference) if reference else None, status_code=response.status_code)
