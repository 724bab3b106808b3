"""The ``echo-json`` connector: a submission as plain JSON, POSTed to the destination's ``url``.

Destination settings (region.yaml)::

    connector: echo-json
    settings:
      url: https://stadtwerke.example/api/antraege    # where to POST
      timeoutSeconds: 10                              # per request (default 10)

The hub's message id travels in ``Idempotency-Key`` and in the body's ``messageId``, so the receiver
can discard a repeat after a lost answer.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from emscher_echo_connector.classify import answer_failure, transport_failure
from emscher_echo_connector.document import document
from hub.connectors.base import Connector, OutboundMessage, Receipt, SubmissionData
from hub.errors import ConfigError

MEDIA_TYPE = "application/json"


class EchoJsonConnector(Connector):
    """A submission as plain JSON, POSTed to a URL with the message id as Idempotency-Key."""

    name = "echo-json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.destination.setting("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"destination {self.destination.id!r} (echo-json): url must be an http(s) URL")
        self.url = url
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        # Created on first send and shared by the worker's threads (httpx clients are thread-safe).
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.destination.timeout_seconds)
            return self._client

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=document(submission, message_id))

    def send(self, message: OutboundMessage) -> Receipt:
        headers = {"Content-Type": message.media_type, "Idempotency-Key": message.message_id, **message.headers}
        try:
            response = self._http().post(self.url, content=message.body, headers=headers)
        except httpx.TransportError as exc:
            raise transport_failure(exc) from exc
        if not response.is_success:
            raise answer_failure(response)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        reference = answer.get("receiptId") if isinstance(answer, dict) else None
        return Receipt(reference=str(reference) if reference else None, status_code=response.status_code)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
