"""The FIT-Connect simulator's subscriber side, and controls that let it act as a sender.

For the subscriber (the hub reading a municipality's destination)::

    GET  /submission/v1/submissions?destinationId=&offset=&limit=   waiting submissions (paged)
    GET  /submission/v1/submissions/{id}                            encrypted metadata and data, attachment ids
    GET  /submission/v1/submissions/{id}/attachments/{aid}          one attachment (JWE, application/jose)
    POST /submission/v1/cases/{caseId}/events                       the subscriber's SET (accept/reject)

A posted SET is verified against the destination's published signing key (PS512, ``typ``
``secevent+jwt``, ``iss`` the destination, ``sub`` a submission of the case); an accept must carry
the authentication tags of the very JWEs the platform holds. A SET that fails is answered 422 and
changes nothing. Every posted SET is recorded with its verdict.

Controls (``/_sim``)::

    POST /_sim/sender/submissions            encrypt and submit as a sender would: {destinationId, data (JSON),
                                             dataSchemaUri, serviceType, attachments: [{contentBase64, mimeType,
                                             filename}], metadataVersion ("2.1.0"|"1.0.0"), kid (an older key),
                                             tamper: null|"ciphertext"|"data-hash"|"attachment-hash"|"metadata-schema"}
    GET  /_sim/sender/answers                the SETs subscribers posted: event, verified, tagsMatch, problems
    GET  /_sim/destinations/{id}/subscriber-keys   the destination's private keys as a JWK set (its owner's file)
    POST /_sim/destinations/{id}/rotate      a new encryption key; the old one stays published and valid
    PUT  /_sim/destinations/{id}/callback    {url, secret}: the destination's subscriber callback; each
                                             submission the sender control submits is then announced there
                                             with a signed NEW_SUBMISSIONS callback ({url: null}: none)

A fault rule for the system ``submission-fetch`` hits only the subscriber's GETs of one
submission or attachment (e.g. ``{"mode": "status", "status": 503, "system": "submission-fetch"}``),
one for ``submission-events`` only its POSTs of a SET.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
import time
import uuid
from typing import Any

import httpx
import orjson
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwe import encrypt_compact
from joserfc.jwk import RSAKey
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.signing import signed_headers
from hub.sim.fitconnect.pki import EncryptionKey, SigningKey
from hub.sim.fitconnect.state import EVENTS, JWE_REGISTRY, FitConnectState, SimDestination, SimSubmission

METADATA_URI = "https://schema.fitko.de/fit-connect/metadata/{version}/metadata.schema.json"
ACCEPT, REJECT = EVENTS + "accept-submission", EVENTS + "reject-submission"
FETCH_SYSTEM = "submission-fetch"
EVENTS_SYSTEM = "submission-events"
NEW_SUBMISSIONS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"


def _problem(status: int, title: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def fault_system(method: str, path: str) -> str | None:
    """``submission-fetch`` for a subscriber's GET of one submission or its attachment,
    ``submission-events`` for its POST of a SET, else None (the path's first segment decides)."""
    parts = path.strip("/").split("/")
    if method == "GET" and len(parts) >= 4 and parts[:3] == ["submission", "v1", "submissions"]:
        return FETCH_SYSTEM
    if method == "POST" and len(parts) == 5 and parts[:3] == ["submission", "v1", "cases"] and parts[4] == "events":
        return EVENTS_SYSTEM
    return None


def signing_key(destination: SimDestination) -> SigningKey:
    if destination.signing is None:
        destination.signing = SigningKey.create()
    return destination.signing


def published_key(destination: SimDestination, kid: str) -> dict[str, Any] | None:
    """The destination's public key ``kid``: its current or a retired encryption key, or its signing key."""
    for key in (destination.key, *destination.retired):
        if key.kid == kid:
            return key.public_jwk
    if destination.signing is not None and destination.signing.kid == kid:
        return destination.signing.public_jwk()
    return None


def _tag(jwe: str | None) -> str | None:
    return jwe.rsplit(".", 1)[-1] if jwe else None


class SubscriberSide:
    def __init__(self, state: FitConnectState, authorised: Any) -> None:
        self.state = state
        self.authorised = authorised
        self.answers: list[dict[str, Any]] = []
        self.callbacks: dict[str, tuple[str, str]] = {}
        """Per destination id: the subscriber's callback (url, secret)."""

    # -- Submission API, subscriber's side ----------------------------------------------------

    async def list_submissions(self, request: Request) -> Response:
        if not self.authorised(request):
            return _problem(401, "Unauthorized")
        destination = request.query_params.get("destinationId")
        try:
            offset = int(request.query_params.get("offset", 0))
            limit = min(int(request.query_params.get("limit", 100)), 500)
        except ValueError:
            return _problem(400, "offset und limit sind Zahlen")
        with self.state.lock:
            waiting = [
                s
                for s in self.state.submissions.values()
                if s.status == "submitted" and (destination is None or s.destination_id == destination)
            ]
        page = waiting[offset : offset + limit]
        entries = [
            {"destinationId": s.destination_id, "submissionId": s.submission_id, "caseId": s.case_id} for s in page
        ]
        return JSONResponse(
            {"count": len(entries), "offset": offset, "totalCount": len(waiting), "submissions": entries}
        )

    def _waiting(self, request: Request) -> SimSubmission | Response:
        if not self.authorised(request):
            return _problem(401, "Unauthorized")
        sub = self.state.submissions.get(request.path_params["id"])
        if sub is None or sub.status != "submitted":
            return _problem(404, "Einreichung unbekannt oder nicht abholbereit")
        return sub

    async def get_submission(self, request: Request) -> Response:
        sub = self._waiting(request)
        if isinstance(sub, Response):
            return sub
        return JSONResponse(
            {
                "destinationId": sub.destination_id,
                "submissionId": sub.submission_id,
                "caseId": sub.case_id,
                "serviceType": sub.service,
                "attachments": list(sub.announced),
                "encryptedMetadata": sub.encrypted_metadata,
                "encryptedData": sub.encrypted_data,
            }
        )

    async def get_attachment(self, request: Request) -> Response:
        sub = self._waiting(request)
        if isinstance(sub, Response):
            return sub
        jwe = sub.encrypted_attachments.get(request.path_params["aid"])
        if jwe is None:
            return _problem(404, "Anlage unbekannt")
        return Response(jwe, media_type="application/jose")

    async def post_event(self, request: Request) -> Response:
        if not self.authorised(request):
            return _problem(401, "Unauthorized")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/jose":
            return _problem(415, "Ereignisse werden als application/jose (SET) erwartet")
        case_id = request.path_params["case"]
        token = (await request.body()).decode()
        answer = self._verify(case_id, token)
        with self.state.lock:
            self.answers.append(answer)
        if not answer["verified"]:
            return _problem(422, f"SET abgelehnt: {answer['reason']}")
        sub = self.state.submissions[answer["submissionId"]]
        sub.status = "accepted" if answer["event"] == "accept-submission" else "rejected"
        sub.problems = answer["problems"]
        self.state.append_raw(case_id, token)
        return Response(status_code=201)

    def _verify(self, case_id: str, token: str) -> dict[str, Any]:
        answer: dict[str, Any] = {"caseId": case_id, "submissionId": None, "event": None, "verified": False}
        answer.update(problems=[], tagsMatch=None, reason=None, receivedAt=time.time())
        sub = next((s for s in list(self.state.submissions.values()) if s.case_id == case_id), None)
        if sub is None:
            answer["reason"] = "unknown case"
            return answer
        answer["submissionId"] = sub.submission_id
        destination = self.state.destinations[sub.destination_id]
        try:
            header = jws.extract_compact(token.encode()).protected
            public = published_key(destination, str(header.get("kid")))
            if public is None or public.get("alg") != "PS512":
                raise ValueError(f"kid {header.get('kid')!r} is not the destination's signing key")
            key = RSAKey.import_key({k: public[k] for k in ("kty", "n", "e", "kid")})
            claims = orjson.loads(jws.deserialize_compact(token, key, algorithms=["PS512"]).payload)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            answer["reason"] = f"signature: {type(exc).__name__}: {exc}"
            return answer
        problem = _claims_problem(header, claims, sub)
        events = claims.get("events") if isinstance(claims.get("events"), dict) else {}
        event = ACCEPT if ACCEPT in events else REJECT if REJECT in events else None
        answer["event"] = event.removeprefix(EVENTS) if event else None
        if problem is None and event is None:
            problem = "neither accept-submission nor reject-submission"
        if problem is None and event == ACCEPT:
            answer["tagsMatch"] = events[ACCEPT].get("authenticationTags") == _expected_tags(sub)
            problem = None if answer["tagsMatch"] else "authenticationTags do not match the submission's JWEs"
        if event == REJECT:
            answer["problems"] = list(events[REJECT].get("problems") or [])
        answer["verified"], answer["reason"] = problem is None, problem
        return answer

    # -- controls: the sender ------------------------------------------------------------------

    async def sim_send(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        destination = self.state.destinations.get(str(body.get("destinationId")))
        if destination is None:
            return _problem(422, "Zustellpunkt unbekannt")
        kid = body.get("kid") or destination.key.kid
        key = next((k for k in (destination.key, *destination.retired) if k.kid == kid), None)
        if key is None:
            return _problem(422, f"Schlüssel {kid!r} unbekannt")
        sub = _encrypted_submission(destination, key, body)
        with self.state.lock:
            self.state.submissions[sub.submission_id] = sub
        self.state.append_event(sub, "create-submission")
        self.state.append_event(sub, "submit-submission")
        self._announce(sub)
        return JSONResponse({"submissionId": sub.submission_id, "caseId": sub.case_id}, status_code=201)

    def _announce(self, sub: SimSubmission) -> None:
        """The NEW_SUBMISSIONS callback, posted from a thread as the platform would: after the submit."""
        callback = self.callbacks.get(sub.destination_id)
        if callback is None:
            return
        url, secret = callback
        body = orjson.dumps({"type": NEW_SUBMISSIONS, "submissionIds": [sub.submission_id]})

        def post() -> None:
            headers = {"Content-Type": "application/json", **signed_headers(secret, body)}
            with contextlib.suppress(httpx.HTTPError):  # a subscriber that is down polls anyway
                httpx.post(url, content=body, headers=headers, timeout=5)

        threading.Thread(target=post, name="fitconnect-sim-new-submissions", daemon=True).start()

    async def sim_destination_callback(self, request: Request) -> Response:
        destination_id = request.path_params["id"]
        if destination_id not in self.state.destinations:
            return _problem(404, "Zustellpunkt unbekannt")
        body = orjson.loads(await request.body())
        if body.get("url"):
            self.callbacks[destination_id] = (str(body["url"]), str(body["secret"]))
        else:
            self.callbacks.pop(destination_id, None)
        return Response(status_code=204)

    async def sim_answers(self, request: Request) -> Response:
        with self.state.lock:
            return JSONResponse(list(self.answers))

    async def sim_subscriber_keys(self, request: Request) -> Response:
        destination = self.state.destinations.get(request.path_params["id"])
        if destination is None:
            return _problem(404, "Zustellpunkt unbekannt")
        keys = [
            {**k.private.as_dict(private=True), "kid": k.kid, "alg": "RSA-OAEP-256", "key_ops": ["unwrapKey"]}
            for k in (destination.key, *destination.retired)
        ]
        signing = signing_key(destination)
        keys.append({**signing.private.as_dict(private=True), "kid": signing.kid, "alg": "PS512", "key_ops": ["sign"]})
        return JSONResponse({"keys": keys})

    async def sim_rotate(self, request: Request) -> Response:
        destination = self.state.destinations.get(request.path_params["id"])
        if destination is None:
            return _problem(404, "Zustellpunkt unbekannt")
        fresh = EncryptionKey.create(self.state.ca, destination.name)
        with self.state.lock:
            destination.retired.append(destination.key)
            destination.key = fresh
        return JSONResponse({"encryptionKid": fresh.kid})


def _claims_problem(header: Any, claims: Any, sub: SimSubmission) -> str | None:
    if str(header.get("typ", "")).lower() != "secevent+jwt":
        return f"typ {header.get('typ')!r} is not secevent+jwt"
    if not isinstance(claims, dict):
        return "payload is not a JSON object"
    if claims.get("iss") != sub.destination_id:
        return f"iss {claims.get('iss')!r} is not the destination"
    if claims.get("sub") != f"submission:{sub.submission_id}" or claims.get("txn") != f"case:{sub.case_id}":
        return "sub/txn do not name this submission and case"
    return None


def _expected_tags(sub: SimSubmission) -> dict[str, Any]:
    tags: dict[str, Any] = {"metadata": _tag(sub.encrypted_metadata), "data": _tag(sub.encrypted_data)}
    if sub.encrypted_attachments:
        tags["attachments"] = {a: _tag(jwe) for a, jwe in sub.encrypted_attachments.items()}
    return tags


def _encrypt(content: bytes, key: EncryptionKey, media_type: str) -> str:
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key.kid, "cty": media_type}
    return encrypt_compact(header, content, key.private, registry=JWE_REGISTRY)


def _sha512(content: bytes) -> dict[str, str]:
    return {"type": "sha512", "content": hashlib.sha512(content).hexdigest()}


def _encrypted_submission(destination: SimDestination, key: EncryptionKey, body: dict[str, Any]) -> SimSubmission:
    tamper = body.get("tamper")
    data = orjson.dumps(body.get("data", {}))
    attachments = [
        (str(uuid.uuid4()), base64.b64decode(a["contentBase64"]), str(a.get("mimeType", "application/pdf")), a)
        for a in body.get("attachments", [])
    ]
    version = str(body.get("metadataVersion", "2.1.0"))
    metadata: dict[str, Any] = {
        "$schema": METADATA_URI.format(version=version),
        "contentStructure": {
            "data": {
                "hash": _sha512(b"something else" if tamper == "data-hash" else data),
                "submissionSchema": {"schemaUri": str(body.get("dataSchemaUri")), "mimeType": "application/json"},
            },
            "attachments": [
                {
                    "hash": _sha512(content + (b"!" if tamper == "attachment-hash" else b"")),
                    "purpose": "attachment",
                    "filename": a.get("filename"),
                    "mimeType": media_type,
                    "attachmentId": attachment_id,
                }
                for attachment_id, content, media_type, a in attachments
            ],
        },
    }
    if tamper == "metadata-schema":
        metadata["contentStructure"]["data"]["hash"]["type"] = "md5"  # only sha512 is allowed
    service = dict(body.get("serviceType") or {})
    sub = SimSubmission(str(uuid.uuid4()), str(uuid.uuid4()), destination.destination_id, service, [])
    for attachment_id, content, media_type, _ in attachments:
        sub.announced.append(attachment_id)
        sub.encrypted_attachments[attachment_id] = _encrypt(content, key, media_type)
    sub.encrypted_metadata = _encrypt(orjson.dumps(metadata), key, "application/json")
    sub.encrypted_data = _encrypt(data, key, "application/json")
    if tamper == "ciphertext":
        sub.encrypted_data = _flip_ciphertext(sub.encrypted_data)
    sub.metadata, sub.data, sub.status = metadata, data, "submitted"
    sub.attachments = {a: c for a, c, _, _ in attachments}
    return sub


def _flip_ciphertext(jwe: str) -> str:
    """One bit of the ciphertext changed on the way: A256GCM's tag no longer verifies."""
    parts = jwe.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    raw[0] ^= 0x01
    parts[3] = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    return ".".join(parts)
