"""Back-office REST/JSON connector (``fachverfahren-rest``): the mapped application as one JSON document, POSTed.

The message id travels in ``Idempotency-Key`` (and ``X-Hub-Message-Id``) so the receiver can
discard a repeat after a lost response. A 2xx answer must be JSON (or empty); anything else, such as
a proxy's HTML page or truncated JSON, is retried, never taken as delivered. Settings: see
:mod:`.settings`.
"""

from __future__ import annotations

from connectors.fachverfahren.rest.message import build_message
from connectors.fachverfahren.rest.settings import CONNECTOR, RestSettings
from hub.connectors.auth import auth_headers
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.http import expect_json, raise_for_delivery
from hub.connectors.http_connector import HttpConnector


class RestConnector(HttpConnector):
    name = CONNECTOR

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self.settings = RestSettings.read(destination)
        self.url = self.settings.url

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return build_message(self.context, self.destination, submission, message_id)

    def send(self, message: OutboundMessage) -> Receipt:
        headers = {
            "Content-Type": message.media_type,
            "Idempotency-Key": message.message_id,
            "X-Hub-Message-Id": message.message_id,
            **message.headers,
            **auth_headers(self.destination),
        }
        response = self.post(self.url, content=message.body, headers=headers)
        raise_for_delivery(response)
        # A 2xx that is not JSON (a proxy's page, a cut-off answer) is retried: see expect_json.
        answer = expect_json(response, "the back office") if response.content else {}
        reference = answer.get("receiptId") or answer.get("id") if isinstance(answer, dict) else None
        detail = {"duplicate": True} if isinstance(answer, dict) and answer.get("duplicate") else {}
        return Receipt(reference=reference, status_code=response.status_code, detail=detail)
