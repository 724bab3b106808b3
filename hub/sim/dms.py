"""A simulated municipal DMS / e-file system that receives xdomea 3.1.0 containers over HTTP.

``POST /dms/{system}/xdomea`` takes the ZIP the ``fachverfahren-xdomea`` connector sends
(:mod:`hub.sim.dms_container` unpacks and checks it against the official XSD from the schema
catalog). Like a careful receiver it files each message once per ``Idempotency-Key`` and answers a
redelivery with the original answer; a ``Content-Digest`` (sha-256), when sent, must match the body.
It answers 201 with the DMS's id for the Vorgang, an Aktenzeichen, and an id per filed document::

    {"id": "…", "aktenzeichen": "GLADBECK-2026-000001", "dokumente": [{"dateiname": "…", "id": "…"}]}

Refusals are problem+json: 400 (no key, not a ZIP, unsafe container, digest mismatch), 422 (the
message is not valid xdomea or does not match its files, with ``errors``). Faults are injected
through ``/_sim/faults`` (:mod:`hub.sim.faults`, ``system`` = the path segment) after the checks,
so what the DMS refuses anyway is never filed. ``/_sim/messages`` lists what it filed, with every
file (base64) and its SHA-256.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.schemas import SchemaCatalog
from hub.sim.control import control_routes, json_response, problem_response
from hub.sim.dms_container import XDOMEA, Refused, UnpackedMessage, read_container
from hub.sim.faults import FaultBook, FaultMode, http_fault_response, quiet_simulated_drops, trickled

STATE_KEY = "dms"
MAX_BODY_BYTES = 100 * 1024 * 1024


@dataclass(slots=True)
class FiledMessage:
    """One container the DMS filed."""

    message_id: str
    system: str
    answer: dict[str, Any]
    message_name: str
    xml: str
    files: dict[str, bytes]
    headers: dict[str, str]
    received_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "system": self.system,
            "receivedAt": self.received_at,
            "answer": self.answer,
            "messageName": self.message_name,
            "xml": self.xml,
            "headers": self.headers,
            "files": [
                {
                    "name": n,
                    "size": len(c),
                    "sha256": hashlib.sha256(c).hexdigest(),
                    "data": base64.b64encode(c).decode(),
                }
                for n, c in self.files.items()
            ],
        }


@dataclass
class DmsState:
    """Filed messages, counters and fault rules; requests and test threads share it under a lock."""

    requests: int = 0
    duplicates: int = 0
    refused: int = 0
    faults: FaultBook = field(default_factory=FaultBook)

    @property
    def fault_book(self) -> FaultBook:
        return self.faults

    _filed: dict[tuple[str, str], FiledMessage] = field(default_factory=dict)
    _numbers: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def known(self, system: str, message_id: str) -> FiledMessage | None:
        with self._lock:
            found = self._filed.get((system, message_id))
            if found is not None:
                self.duplicates += 1
            return found

    def file(self, system: str, message_id: str, unpacked: UnpackedMessage, headers: dict[str, str]) -> FiledMessage:
        with self._lock:
            known = self._filed.get((system, message_id))
            if known is not None:
                return known
            self._numbers[system] = number = self._numbers.get(system, 0) + 1
            now = datetime.now(UTC)
            answer = {
                "id": str(uuid.uuid4()),
                "aktenzeichen": f"{system.upper()}-{now.year}-{number:06d}",
                "dokumente": [{"dateiname": name, "id": str(uuid.uuid4())} for name in unpacked.files],
            }
            filed = FiledMessage(
                message_id=message_id,
                system=system,
                answer=answer,
                message_name=unpacked.message_name,
                xml=unpacked.xml.decode(),
                files=unpacked.files,
                headers=headers,
                received_at=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            )
            self._filed[(system, message_id)] = filed
            return filed

    def messages(self, system: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m.to_json() for m in self._filed.values() if system is None or m.system == system]

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": self.requests,
                "filed": len(self._filed),
                "duplicates": self.duplicates,
                "refused": self.refused,
            }

    def count(self, what: str) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)

    def reset(self) -> None:
        with self._lock:
            self._filed.clear()
            self._numbers.clear()
            self.requests = self.duplicates = self.refused = 0


_json = json_response


def _problem(
    status: int, detail: str, headers: dict[str, str] | None = None, errors: list[str] | None = None
) -> Response:
    return problem_response(status, detail, headers, **({"errors": errors} if errors else {}))


def _digest_matches(header: str | None, body: bytes) -> bool:
    if not header:
        return True
    for part in header.split(","):
        algorithm, _, value = part.strip().partition("=")
        if algorithm.strip().lower() == "sha-256":
            return value.strip().strip(":") == base64.b64encode(hashlib.sha256(body).digest()).decode()
    return True  # only algorithms it does not know: nothing to check


async def _receive(request: Request, state: DmsState, catalog: SchemaCatalog) -> Response:
    state.count("requests")
    system: str = request.path_params["system"]
    message_id = request.headers.get("idempotency-key")
    if not message_id:
        return _problem(400, "Idempotency-Key header is required")
    known = state.known(system, message_id)
    if known is not None:
        return _json({**known.answer, "duplicate": True})
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _problem(413, f"the container exceeds {MAX_BODY_BYTES} bytes")
    if not _digest_matches(request.headers.get("content-digest"), body):
        state.count("refused")
        return _problem(400, "Content-Digest does not match the body")
    try:
        unpacked = await asyncio.to_thread(read_container, body, catalog)
    except Refused as exc:
        state.count("refused")
        status = 422 if exc.errors else 400
        return _problem(status, str(exc), errors=exc.errors)
    headers = {
        k: request.headers[k]
        for k in ("idempotency-key", "content-type", "content-disposition")
        if k in request.headers
    }
    filed: FiledMessage | None = None
    fired = state.faults.take(system)
    for rule in fired:
        if rule.record_first and filed is None:
            filed = state.file(system, message_id, unpacked, headers)
        if rule.mode is FaultMode.LATENCY:
            await asyncio.sleep((rule.latency_ms or 0) / 1000)
        if rule.mode.proceeds:
            continue
        return trickled(fired, await http_fault_response(rule, request, _problem))
    filed = filed or state.file(system, message_id, unpacked, headers)
    return trickled(fired, _json(filed.answer, 201))


def create_dms_app(catalog: SchemaCatalog | None = None) -> Starlette:
    """The simulator as an ASGI app; ``catalog`` defaults to ``HUB_SCHEMA_PATH`` (it needs xdomea-3.1.0)."""
    quiet_simulated_drops()
    schemas = catalog or SchemaCatalog.from_env()
    schemas.validator("xdomea-3.1.0", "xdomea.xsd")  # fail at start, not at the first message

    def state_of(request: Request) -> DmsState:
        state: DmsState = getattr(request.app.state, STATE_KEY)
        return state

    async def receive(request: Request) -> Response:
        return await _receive(request, state_of(request), schemas)

    app = Starlette(
        routes=[
            Route("/dms/{system}/xdomea", receive, methods=["POST"]),
            *control_routes(state_of, health={"status": "ok", "namespace": XDOMEA}),
        ]
    )
    setattr(app.state, STATE_KEY, DmsState())
    return app
