"""A simulated municipal back-office system ("Fachverfahren") speaking REST/JSON.

The hub's tests, demo and benchmarks deliver to it over real HTTP, so it behaves like a careful
receiver: it stores each message once per ``Idempotency-Key`` and answers a redelivery with the
original receipt. Faults are injected through ``/_sim/faults`` so that every failure the delivery
engine must survive (refusals, slowness, timeouts, broken connections, and a lost answer for a
message the receiver did commit) can be produced on demand.

The hot path stays lean on purpose: a benchmark pushes hundreds of deliveries per second through
it, so state is a few in-memory dicts, JSON goes through orjson and nothing is logged per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from hub.sim.backoffice.state import BackofficeState, ReceivedMessage
from hub.sim.kit.control import control_routes, json_response, problem_response
from hub.sim.kit.faults import FaultMode, http_fault_response, quiet_simulated_drops, trickled
from hub.sim.kit.server import run_app

STATE_KEY = "backoffice"
"""Attribute of ``app.state`` holding the :class:`BackofficeState`."""

RECORDED_HEADERS = ("idempotency-key", "content-type", "x-correlation-id")
"""Request headers kept with each message: enough to check what the hub sent, no more."""

_json = json_response
_problem = problem_response


def _recorded_headers(request: Request) -> dict[str, str]:
    headers = request.headers
    return {name: headers[name] for name in RECORDED_HEADERS if name in headers}


def _receipt_response(message: ReceivedMessage, duplicate: bool) -> Response:
    if duplicate:
        return _json({**message.receipt(), "duplicate": True}, 200)
    return _json(message.receipt(), 201)


async def _deliver(request: Request, state: BackofficeState, expected_auth: str | None) -> Response:
    """Auth and validation come before faults: what the receiver refuses anyway is never
    recorded, so ``recordFirst`` always commits a well-formed message."""
    if expected_auth is not None and request.headers.get("authorization") != expected_auth:
        return _problem(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
    message_id = request.headers.get("idempotency-key")
    if not message_id:
        return _problem(400, "Idempotency-Key header is required")
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        return _problem(400, f"body is not valid JSON: {exc}")
    system: str = request.path_params["system"]
    recorded: tuple[ReceivedMessage, bool] | None = None
    fired = state.take_faults(system)
    for rule in fired:
        if rule.record_first and recorded is None:
            recorded = state.record(system, message_id, body, _recorded_headers(request))
        if rule.mode is FaultMode.LATENCY:
            await asyncio.sleep((rule.latency_ms or 0) / 1000)
        if rule.mode.proceeds:
            continue
        return trickled(fired, await http_fault_response(rule, request, _problem))
    if recorded is None:
        recorded = state.record(system, message_id, body, _recorded_headers(request))
    return trickled(fired, _receipt_response(*recorded))


class _UntilAnswered(Response):
    """Sends ``inner`` and calls ``done`` once, when it is sent in full or the client went away.

    A slowly streamed or dropped answer keeps its post open until then, so a second post of the
    same message meanwhile counts as parallel; a client that gave up closes it at once.
    """

    def __init__(self, inner: Response, done: Callable[[], None]) -> None:
        super().__init__(status_code=inner.status_code)
        self.inner = inner
        self.done = done

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        finished = False

        def finish() -> None:
            nonlocal finished
            if not finished:
                finished = True
                self.done()

        # The request body is read already: what ``receive`` still yields is the disconnect,
        # forwarded to ``inner`` through the queue.
        forwarded: asyncio.Queue[Message] = asyncio.Queue()

        async def watch() -> None:
            while True:
                message = await receive()
                forwarded.put_nowait(message)
                if message["type"] == "http.disconnect":
                    finish()
                    return

        watcher = asyncio.create_task(watch())
        try:
            await self.inner(scope, forwarded.get, send)
        finally:
            finish()
            watcher.cancel()


def _state(request: Request) -> BackofficeState:
    state: BackofficeState = getattr(request.app.state, STATE_KEY)
    return state


def create_backoffice_app(*, token: str | None = None) -> Starlette:
    """The simulator as an ASGI app; with ``token`` deliveries need ``Authorization: Bearer``."""
    quiet_simulated_drops()
    expected_auth = f"Bearer {token}" if token else None

    async def receive_message(request: Request) -> Response:
        state = _state(request)
        key = (request.path_params["system"], request.headers.get("idempotency-key", ""))
        state.request_started()
        state.post_started(key)
        try:
            response = await _deliver(request, state, expected_auth)
        except BaseException:
            state.post_finished(key)
            raise
        finally:
            state.request_finished()
        return _UntilAnswered(response, lambda: state.post_finished(key))

    def find(state: BackofficeState, message_id: str, system: str | None) -> dict[str, Any] | None:
        return state.message(message_id, system)

    app = Starlette(
        routes=[
            Route("/systems/{system}/messages", receive_message, methods=["POST"]),
            *control_routes(_state, find=find),
        ]
    )
    setattr(app.state, STATE_KEY, BackofficeState())
    return app


def run_backoffice(host: str, port: int, token: str | None = None) -> None:
    """Serve the back-office simulator in this process until interrupted (SIGINT/SIGTERM)."""
    run_app(create_backoffice_app(token=token), host, port)
