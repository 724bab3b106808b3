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
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from hub.sim.control import control_routes, json_response, problem_response
from hub.sim.faults import FaultBook, FaultMode, FaultRule, http_fault_response, quiet_simulated_drops, trickled

STATE_KEY = "backoffice"
"""Attribute of ``app.state`` holding the :class:`BackofficeState`."""

RECORDED_HEADERS = ("idempotency-key", "content-type", "x-correlation-id")
"""Request headers kept with each message: enough to check what the hub sent, no more."""

PROBLEM_JSON = "application/problem+json"


@dataclass(slots=True)
class ReceivedMessage:
    """A delivery the simulated receiver committed, as the hub will later want to inspect it."""

    message_id: str
    system: str
    body: Any
    headers: dict[str, str]
    received_at: str
    receipt_id: str

    def receipt(self) -> dict[str, Any]:
        return {
            "receiptId": self.receipt_id,
            "messageId": self.message_id,
            "receivedAt": self.received_at,
            "system": self.system,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "system": self.system,
            "body": self.body,
            "headers": self.headers,
            "receivedAt": self.received_at,
            "receiptId": self.receipt_id,
        }


@dataclass
class BackofficeState:
    """Messages, counters and fault rules of one simulator.

    Requests mutate it on the server's event loop while a test may read it from its own thread,
    so every access takes a (never contended for long) lock and readers get copies.
    """

    requests: int = 0
    duplicates: int = 0
    faulted: int = 0
    in_flight: int = 0
    parallel: int = 0
    """Posts that arrived while another post of the same message to the same system was still being
    answered: the same delivery in flight twice at once, which a hub must never do."""
    _answering: dict[tuple[str, str], int] = field(default_factory=dict)
    _open_by_system: dict[str, int] = field(default_factory=dict)
    _peak_by_system: dict[str, int] = field(default_factory=dict)
    """The most posts to one system open at once: what a destination's concurrency limit bounds."""
    _messages: dict[tuple[str, str], ReceivedMessage] = field(default_factory=dict)
    _by_system: dict[str, int] = field(default_factory=dict)
    _faults: FaultBook = field(default_factory=FaultBook)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request_started(self) -> None:
        with self._lock:
            self.requests += 1
            self.in_flight += 1

    def request_finished(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def post_started(self, key: tuple[str, str]) -> None:
        """A post of (system, message id) arrived; counts it as parallel if another is still open."""
        with self._lock:
            open_posts = self._answering.get(key, 0)
            self.parallel += open_posts > 0
            self._answering[key] = open_posts + 1
            system = key[0]
            now_open = self._open_by_system[system] = self._open_by_system.get(system, 0) + 1
            self._peak_by_system[system] = max(self._peak_by_system.get(system, 0), now_open)

    def post_finished(self, key: tuple[str, str]) -> None:
        with self._lock:
            left = self._answering.pop(key, 1) - 1
            if left:
                self._answering[key] = left
            self._open_by_system[key[0]] = max(self._open_by_system.get(key[0], 1) - 1, 0)

    def record(self, system: str, message_id: str, body: Any, headers: dict[str, str]) -> tuple[ReceivedMessage, bool]:
        """Store a message once per (system, id); returns the stored one and whether it was seen."""
        key = (system, message_id)
        with self._lock:
            known = self._messages.get(key)
            if known is not None:
                self.duplicates += 1
                return known, True
            message = ReceivedMessage(
                message_id=message_id,
                system=system,
                body=body,
                headers=headers,
                received_at=_utc_now(),
                receipt_id=str(uuid.uuid4()),
            )
            self._messages[key] = message
            self._by_system[system] = self._by_system.get(system, 0) + 1
            return message, False

    def take_faults(self, system: str) -> list[FaultRule]:
        """The rules that fire for this request (see :meth:`hub.sim.faults.FaultBook.take`)."""
        fired = self._faults.take(system)
        if fired:
            with self._lock:
                self.faulted += 1
        return fired

    def add_fault(self, data: object) -> FaultRule:
        return self._faults.add(data)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def fault_book(self) -> FaultBook:
        return self._faults

    def messages(self, system: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m.to_json() for m in self._messages.values() if system is None or m.system == system]

    def message(self, message_id: str, system: str | None = None) -> dict[str, Any] | None:
        """One stored message; without ``system`` the first one stored under that id."""
        with self._lock:
            for m in self._messages.values():
                if m.message_id == message_id and (system is None or m.system == system):
                    return m.to_json()
        return None

    def stats(self) -> dict[str, Any]:
        """Counters as served by ``/_sim/stats``; ``faulted`` includes requests only delayed."""
        with self._lock:
            return {
                "requests": self.requests,
                "received": len(self._messages),
                "duplicates": self.duplicates,
                "faulted": self.faulted,
                "inFlight": self.in_flight,
                "parallel": self.parallel,
                "answering": sum(self._answering.values()),
                "bySystem": dict(self._by_system),
                "peakOpenBySystem": dict(self._peak_by_system),
            }

    def reset(self) -> None:
        """Forget messages and counters (not fault rules, nor requests still being handled)."""
        with self._lock:
            self._messages.clear()
            self._by_system.clear()
            self._peak_by_system.clear()
            self.requests = self.duplicates = self.faulted = self.parallel = 0


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
