"""The FIT-Connect simulator's reply channel ("Rückkanal"): the subscriber replies, the simulated
sender fetches, decrypts and checks the reply, and answers ``accept-reply`` or ``reject-reply``.

Submission API, the subscriber's side (authorised like every call)::

    POST /submission/v1/replies                             announce {submissionId, announcedAttachments}
                                                            -> 201 {replyId, submissionId, caseId}
    PUT  /submission/v1/replies/{replyId}/attachments/{aid} one attachment (JWE, application/jose)
    PUT  /submission/v1/replies/{replyId}                   {encryptedMetadata, encryptedData}: submit

A reply is taken only for a submission whose metadata offered ``replyChannel.fitConnect``. On
submit, the simulated sender decrypts every part with the reply key it holds, checks the metadata
against the official metadata 2.1.0 schema and every SHA-512, and the case's log gets
``submit-reply`` and then ``accept-reply`` (or ``reject-reply`` with the problems), signed with the
platform key (a real sender signs its own; the simulator has one key for the sender's role).

Controls::

    POST /_sim/sender/submissions   as the subscriber side's, plus ``replyChannel``: {processStandards?}
                                    offers the reply channel with a fresh key the sender holds
                                    (answer: also ``replyKid``); without it, the subscriber side's own
    GET  /_sim/sender/replies       every reply submitted: ids, verdict, problems, the decrypted
                                    metadata, data (JSON) and attachments (base64)
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc.errors import JoseError
from joserfc.jwe import decrypt_compact
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sim.fitconnect.pki import EncryptionKey
from hub.sim.fitconnect.state import JWE_REGISTRY, METADATA_SET, FitConnectState
from hub.sim.fitconnect.subscriber import SubscriberSide, _encrypt, _encrypted_submission

DEFAULT_PROCESS_STANDARD = "https://schema.emscher-lippe-hub.example/fit-connect/reply/1.0.0/reply.schema.json"
_PUBLIC = ("kty", "kid", "key_ops", "alg", "n", "e", "x5c")


def _problem(status: int, title: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@dataclass
class SimReply:
    reply_id: str
    submission_id: str
    case_id: str
    announced: list[str]
    encrypted_attachments: dict[str, str] = field(default_factory=dict)
    status: str = "incomplete"
    problems: list[dict[str, str]] = field(default_factory=list)
    metadata: Any = None
    data: Any = None
    attachments: dict[str, bytes] = field(default_factory=dict)


class ReplySide:
    def __init__(self, state: FitConnectState, authorised: Any, sender: SubscriberSide) -> None:
        self.state = state
        self.authorised = authorised
        self.sender = sender
        self.reply_keys: dict[str, EncryptionKey] = {}
        """The key pair each submission's sender offered for replies, by submission id."""
        self.replies: dict[str, SimReply] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/submission/v1/replies", self.announce, methods=["POST"]),
            Route("/submission/v1/replies/{id}/attachments/{aid}", self.attachment, methods=["PUT"]),
            Route("/submission/v1/replies/{id}", self.submit, methods=["PUT"]),
            # Before the subscriber side's own route of the same path: this one adds the reply channel.
            Route("/_sim/sender/submissions", self.sim_send, methods=["POST"]),
            Route("/_sim/sender/replies", self.sim_replies, methods=["GET"]),
        ]

    # -- the sender offering the channel ---------------------------------------------------------

    async def sim_send(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        offer = body.get("replyChannel")
        if not offer:
            return await self.sender.sim_send(request)  # the body stays cached on the request
        destination = self.state.destinations.get(str(body.get("destinationId")))
        if destination is None:
            return _problem(422, "Zustellpunkt unbekannt")
        key = destination.key
        sub = _encrypted_submission(destination, key, {k: v for k, v in body.items() if k != "replyChannel"})
        reply_key = EncryptionKey.create(self.state.ca, "Antragsteller (Rückkanal)")
        offered = offer.get("processStandards") if isinstance(offer, dict) else None
        standards = list(offered or [DEFAULT_PROCESS_STANDARD])
        public = {k: reply_key.public_jwk[k] for k in _PUBLIC if k in reply_key.public_jwk}
        assert isinstance(sub.metadata, dict)
        sub.metadata["replyChannel"] = {"fitConnect": {"processStandards": standards, "encryptionPublicKey": public}}
        sub.encrypted_metadata = _encrypt(orjson.dumps(sub.metadata), key, "application/json")
        with self.state.lock:
            self.state.submissions[sub.submission_id] = sub
            self.reply_keys[sub.submission_id] = reply_key
        self.state.append_event(sub, "create-submission")
        self.state.append_event(sub, "submit-submission")
        answer = {"submissionId": sub.submission_id, "caseId": sub.case_id, "replyKid": reply_key.kid}
        return JSONResponse(answer, status_code=201)

    # -- Submission API: the subscriber replying ---------------------------------------------------

    async def announce(self, request: Request) -> Response:
        if not self.authorised(request):
            return _problem(401, "Unauthorized")
        body = orjson.loads(await request.body())
        sub = self.state.submissions.get(str(body.get("submissionId")))
        if sub is None:
            return _problem(404, "Einreichung unbekannt")
        if sub.submission_id not in self.reply_keys:
            return _problem(422, "Die Einreichung bietet keinen Rückkanal über FIT-Connect an")
        announced = [str(a) for a in body.get("announcedAttachments") or []]
        reply = SimReply(str(uuid.uuid4()), sub.submission_id, sub.case_id, announced)
        with self.state.lock:
            self.replies[reply.reply_id] = reply
        answer = {"replyId": reply.reply_id, "submissionId": sub.submission_id, "caseId": sub.case_id}
        return JSONResponse(answer, status_code=201)

    def _incomplete(self, request: Request) -> SimReply | Response:
        if not self.authorised(request):
            return _problem(401, "Unauthorized")
        reply = self.replies.get(request.path_params["id"])
        if reply is None:
            return _problem(404, "Antwort unbekannt")
        if reply.status != "incomplete":
            return _problem(409, "Antwort ist bereits abgesendet")
        return reply

    async def attachment(self, request: Request) -> Response:
        reply = self._incomplete(request)
        if isinstance(reply, Response):
            return reply
        if request.path_params["aid"] not in reply.announced:
            return _problem(404, "Anlage nicht angekündigt")
        if request.headers.get("content-type") != "application/jose":
            return _problem(415, "Anlagen werden als application/jose (JWE) erwartet")
        reply.encrypted_attachments[request.path_params["aid"]] = (await request.body()).decode()
        return Response(status_code=204)

    async def submit(self, request: Request) -> Response:
        reply = self._incomplete(request)
        if isinstance(reply, Response):
            return reply
        missing = set(reply.announced) - set(reply.encrypted_attachments)
        if missing:
            return _problem(422, f"angekündigte Anlagen fehlen: {sorted(missing)}")
        body = orjson.loads(await request.body())
        sub = self.state.submissions[reply.submission_id]
        self.state.append_event(sub, "submit-reply", {"replyId": reply.reply_id})
        reply.problems = self._open(reply, self.reply_keys[reply.submission_id], body)
        reply.status = "rejected" if reply.problems else "accepted"
        event = "reject-reply" if reply.problems else "accept-reply"
        self.state.append_event(sub, event, {"replyId": reply.reply_id, "problems": reply.problems})
        return JSONResponse({"replyId": reply.reply_id, "submissionId": reply.submission_id}, status_code=202)

    def _open(self, reply: SimReply, key: EncryptionKey, body: dict[str, Any]) -> list[dict[str, str]]:
        """What the sender does with a reply it fetched: decrypt every part and check it."""
        try:
            metadata = orjson.loads(_decrypt(str(body["encryptedMetadata"]), key))
            data = _decrypt(str(body["encryptedData"]), key)
            reply.attachments = {a: _decrypt(jwe, key) for a, jwe in reply.encrypted_attachments.items()}
        except (JoseError, ValueError, KeyError, orjson.JSONDecodeError) as exc:
            return [
                {"type": "encryption-issue", "title": "Entschlüsselung fehlgeschlagen", "detail": type(exc).__name__}
            ]
        reply.metadata = metadata
        try:
            reply.data = orjson.loads(data)
        except orjson.JSONDecodeError:
            reply.data = None
        problems = [
            {"type": "schema-violation", "title": "Metadaten ungültig", "detail": str(p)}
            for p in self.state.schemas.validator(METADATA_SET).validate(metadata)
        ]
        structure = metadata.get("contentStructure", {}) if isinstance(metadata, dict) else {}
        if structure.get("data", {}).get("hash", {}).get("content") != hashlib.sha512(data).hexdigest():
            problems.append({"type": "hash-mismatch", "title": "Hashwert falsch", "detail": "data"})
        listed = {e.get("attachmentId"): e for e in structure.get("attachments", [])}
        if set(listed) != set(reply.attachments):
            problems.append({"type": "attachments-mismatch", "title": "Anlagen passen nicht", "detail": "attachments"})
        for attachment_id, content in reply.attachments.items():
            expected = listed.get(attachment_id, {}).get("hash", {}).get("content")
            if expected != hashlib.sha512(content).hexdigest():
                problems.append({"type": "hash-mismatch", "title": "Hashwert falsch", "detail": attachment_id})
        return problems

    async def sim_replies(self, request: Request) -> Response:
        with self.state.lock:
            replies = list(self.replies.values())
        return JSONResponse(
            [
                {
                    "replyId": r.reply_id,
                    "submissionId": r.submission_id,
                    "caseId": r.case_id,
                    "status": r.status,
                    "problems": r.problems,
                    "metadata": r.metadata,
                    "data": r.data,
                    "attachments": {a: base64.b64encode(c).decode() for a, c in r.attachments.items()},
                }
                for r in replies
            ]
        )


def _decrypt(jwe: str, key: EncryptionKey) -> bytes:
    return decrypt_compact(jwe, key.private, registry=JWE_REGISTRY).plaintext or b""
