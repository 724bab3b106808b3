"""Back-office REST/JSON connector: the mapped application as one JSON document, POSTed with httpx.

Destination settings::

    url: https://fachverfahren.example/api/vorgaenge
    timeoutSeconds: 10
    auth: {kind: bearer, tokenEnv: VAR[, optional: true]} | {kind: basic, userEnv: VAR, passwordEnv: VAR} | none
    tls: {certFile: client.pem, keyFile: client.key, caFile: ca.pem}     # optional client certificate

Credentials are referenced by environment variable and read at send time, never stored in config.
The message id travels in ``Idempotency-Key`` (and ``X-Hub-Message-Id``) so the receiver can
discard a repeat after a lost response. A 2xx answer must be JSON (or empty); anything else, such as
a proxy's HTML page or truncated JSON, is retried, never taken as delivered.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import httpx
import orjson

from connectors.fachverfahren.auth import auth_headers
from hub.connectors.base import Connector, OutboundMessage, Receipt, SubmissionData
from hub.connectors.http import client_for, expect_json, raise_for_delivery, transport_errors
from hub.mapping.engine import apply_spec

MEDIA_TYPE = "application/json"


class RestConnector(Connector):
    name = "fachverfahren-rest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self.url = str(self.destination.setting("url"))

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = client_for(self.destination)
            return self._client

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        standard = self.destination.standard or "fachverfahren-json"
        spec = self.context.mappings.get(submission.service, standard)
        document = apply_spec(spec, dict(submission.envelope))
        document["nachricht"] = {
            "nachrichtId": message_id,
            "einreichungId": submission.id,
            "eingang": submission.received_at.isoformat(),
            "leistung": submission.service,
            "gemeindeschluessel": submission.municipality,
        }
        if spec.attachments == "inline":
            document["anlagen"] = [
                {
                    "dateiname": a.file_name,
                    "mimeType": a.media_type,
                    "sha256": a.sha256,
                    "inhalt": base64.b64encode(a.content).decode(),
                }
                for a in submission.attachments
            ]
        return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=orjson.dumps(document))

    def send(self, message: OutboundMessage) -> Receipt:
        headers = {
            "Content-Type": message.media_type,
            "Idempotency-Key": message.message_id,
            "X-Hub-Message-Id": message.message_id,
            **message.headers,
            **auth_headers(self.destination),
        }
        with transport_errors():
            response = self.client.post(self.url, content=message.body, headers=headers)
        raise_for_delivery(response)
        # A 2xx that is not JSON (a proxy's page, a cut-off answer) is retried: see expect_json.
        answer = expect_json(response, "the back office") if response.content else {}
        reference = answer.get("receiptId") or answer.get("id") if isinstance(answer, dict) else None
        detail = {"duplicate": True} if isinstance(answer, dict) and answer.get("duplicate") else {}
        return Receipt(reference=reference, status_code=response.status_code, detail=detail)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
