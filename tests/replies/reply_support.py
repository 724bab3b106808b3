"""Shared pieces of the reply tests: a portal's callback endpoint that checks signatures as a real
portal would, and reply bodies."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from hub.sim.kit.server import ServerThread

PORTAL_SECRET = "s3cr3t-of-the-gladbeck-portal"
DECISION = "Die Hundesteuer für Bello wird ab 01.01.2027 festgesetzt (Bescheid anbei)."
BESCHEID = b"%PDF-1.7\n% Steuerbescheid Hundesteuer " + bytes(range(256))


class VerifyingPortal:
    """A portal's callback endpoint: refuses (401) a callback whose signature does not verify with
    its secret, records each verified one."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.verified: list[dict[str, Any]] = []
        self.refused = 0
        self.lock = threading.Lock()

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        with self.lock:
            if not verify(self.secret, body, signature, timestamp):
                self.refused += 1
                return Response(status_code=401)
            self.verified.append(orjson.loads(body))
        return Response(status_code=204)

    def replies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [b for b in self.verified if b.get("type") == "reply"]


@contextmanager
def serve_verifying_portal(secret: str = PORTAL_SECRET) -> Iterator[tuple[VerifyingPortal, str]]:
    portal = VerifyingPortal(secret)
    app = Starlette(routes=[Route("/callbacks", portal.endpoint, methods=["POST"])])
    with ServerThread(app) as server:
        yield portal, f"{server.url}/callbacks"


def document(content: bytes = BESCHEID, name: str = "Bescheid Hundesteuer.pdf") -> dict[str, str]:
    return {
        "fileName": name,
        "mediaType": "application/pdf",
        "content": base64.b64encode(content).decode(),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def reply_body(status: str = "approved", text: str | None = DECISION, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "text": text, "documents": [document()]}
    body.update(extra)
    return body
