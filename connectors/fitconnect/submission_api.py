"""The sender's side of the FIT-Connect Submission API, over one authenticated httpx client.

Sending is three steps: ``POST /v1/submissions`` announces the submission and its attachments
(the platform answers with the submission and case ids), ``PUT`` each attachment as JWE, then
``PUT`` the submission with the encrypted metadata and data, which submits it. The outcome is
read later from the case's event log (``GET /v1/cases/{caseId}/events``).

A 2xx whose body is not the platform's JSON (a proxy's HTML page, a truncated answer) is a
:class:`~hub.errors.TransientError`: the send is retried, never made dead or taken as submitted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.fitconnect.oauth import TokenSource
from hub.connectors.http import expect_json, raise_for_delivery, transport_errors
from hub.errors import PermanentError

JOSE = "application/jose"


@dataclass(frozen=True)
class DestinationInfo:
    destination_id: str
    status: str
    encryption_kid: str


@dataclass(frozen=True)
class Announced:
    submission_id: str
    case_id: str


class SubmissionApi:
    def __init__(
        self, base_url: str, client: httpx.Client, tokens: TokenSource, *, jwks_ttl_seconds: float = 600.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._tokens = tokens
        self._jwks_ttl = jwks_ttl_seconds
        self._lock = threading.Lock()
        self._jwks: tuple[float, dict[str, Any]] | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._tokens.token()}", **kwargs.pop("headers", {})}
            with transport_errors():
                response = self._client.request(method, f"{self.base_url}{path}", headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self._tokens.forget()  # expired early or revoked: one fresh token, then give up
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            raise_for_delivery(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        body = expect_json(response, f"FIT-Connect {response.request.url.path}")
        if not isinstance(body, dict):
            raise PermanentError(f"{response.request.url.path}: answer is not a JSON object")
        return body

    def destination(self, destination_id: str) -> DestinationInfo:
        body = self._json(self._call("GET", f"/v1/destinations/{destination_id}"))
        return DestinationInfo(destination_id, str(body.get("status")), str(body.get("encryptionKid")))

    def key(self, destination_id: str, kid: str) -> dict[str, Any]:
        return self._json(self._call("GET", f"/v1/destinations/{destination_id}/keys/{kid}"))

    def announce(self, destination_id: str, service: dict[str, str], attachment_ids: list[str]) -> Announced:
        body = {"destinationId": destination_id, "announcedAttachments": attachment_ids, "serviceType": service}
        answer = self._json(self._call("POST", "/v1/submissions", json=body))
        try:
            return Announced(str(answer["submissionId"]), str(answer["caseId"]))
        except KeyError as exc:
            raise PermanentError(f"submission was not created: answer lacks {exc.args[0]}") from exc

    def upload_attachment(self, submission_id: str, attachment_id: str, jwe: str) -> None:
        path = f"/v1/submissions/{submission_id}/attachments/{attachment_id}"
        self._no_page(self._call("PUT", path, content=jwe.encode(), headers={"Content-Type": JOSE}))

    def submit(self, submission_id: str, encrypted_metadata: str, encrypted_data: str) -> None:
        body = {"encryptedMetadata": encrypted_metadata, "encryptedData": encrypted_data}
        self._no_page(self._call("PUT", f"/v1/submissions/{submission_id}", json=body))

    def _no_page(self, response: httpx.Response) -> None:
        """The platform answers these with nothing or JSON; anything else came from an intermediary,
        so the step is retried, never taken as done."""
        if response.content:
            expect_json(response, f"FIT-Connect {response.request.url.path}")

    def events(self, case_id: str) -> list[str]:
        body = self._json(self._call("GET", f"/v1/cases/{case_id}/events"))
        log = body.get("eventLog", [])
        return [str(t) for t in log] if isinstance(log, list) else []

    def platform_jwks(self) -> dict[str, Any]:
        """The platform's signing keys (``/.well-known/jwks.json``), cached for a while."""
        with self._lock:
            if self._jwks is not None and self._jwks[0] > time.monotonic():
                return self._jwks[1]
        with transport_errors():
            response = self._client.get(f"{self.base_url}/.well-known/jwks.json")
        raise_for_delivery(response)
        jwks = self._json(response)
        with self._lock:
            self._jwks = (time.monotonic() + self._jwks_ttl, jwks)
        return jwks
