"""A simulated municipal DMS / e-file system that receives xdomea 3.1.0 containers over HTTP.

``POST /dms/{system}/xdomea`` takes the ZIP the ``fachverfahren-xdomea`` connector sends
(:mod:`hub.sim.dms.container` unpacks and checks it against the official XSD from the schema
catalog). Like a careful receiver it files each message once per ``Idempotency-Key`` and answers a
redelivery with the original answer; a ``Content-Digest`` (sha-256), when sent, must match the body.
It answers 201 with the DMS's id for the Vorgang, an Aktenzeichen, and an id per filed document::

    {"id": "…", "aktenzeichen": "GLADBECK-2026-000001", "dokumente": [{"dateiname": "…", "id": "…"}]}

Refusals are problem+json: 400 (no key, not a ZIP, unsafe container, digest mismatch), 422 (the
message is not valid xdomea or does not match its files, with ``errors``). Faults are injected
through ``/_sim/faults`` (:mod:`hub.sim.kit.faults`, ``system`` = the path segment) after the checks,
so what the DMS refuses anyway is never filed. ``/_sim/messages`` lists what it filed, with every
file (base64) and its SHA-256.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.schemas import SchemaCatalog
from hub.sim.dms.container import XDOMEA, Refused, read_container
from hub.sim.dms.state import DmsState, FiledMessage
from hub.sim.kit.control import control_routes, json_response, problem_response
from hub.sim.kit.faults import FaultMode, http_fault_response, quiet_simulated_drops, trickled

STATE_KEY = "dms"
MAX_BODY_BYTES = 100 * 1024 * 1024


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
