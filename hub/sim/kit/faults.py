"""Fault injection shared by the HTTP simulators: rules posted to ``/_sim/faults`` and taken per request.

A rule misbehaves in one of a few ways (:class:`FaultMode`), optionally only for one ``system``
(the simulator's path segment, e.g. a municipality's slug) and only for the next ``count``
requests. The REST back office knows the plain HTTP modes; the SOAP vendor simulator adds
``soapFault`` (a SOAP fault envelope with a fault code and a detail element), so each simulator
says which modes it accepts when it creates its :class:`FaultBook`.

Modes every HTTP simulator accepts (:data:`HTTP_MODES`):

=========  ==================================================================================
status     answer ``status`` (default 503) with ``reason`` (and ``Retry-After`` from ``retryAfter``)
latency    wait ``latencyMs``, then handle the request as usual
timeout    answer nothing until the client gives up (or ``latencyMs``, default 60 s; then 504)
drop       start a ``status`` answer (default 201), send a fragment of its body, close the socket
trickle    handle the request as usual, but send the answer's body one byte every ``intervalMs``
           (default 2000): each read the client makes is quick, the whole answer takes minutes
html       answer ``status`` (default 200) with ``Content-Type: text/html`` and a proxy's error
           page, as a reverse proxy or load balancer in front of a receiver does
reset      abort the TCP connection with an RST before answering (``SO_LINGER`` 0, then close):
           the client sees "connection reset by peer"
=========  ==================================================================================

e.g. ``{"mode": "trickle", "intervalMs": 2000}``, ``{"mode": "html"}``, ``{"mode": "reset", "count": 1}``.

Rule JSON: ``{"mode", "system", "count", "status", "reason", "retryAfter", "latencyMs",
"intervalMs", "recordFirst"}`` and, for ``soapFault`` only, ``"faultCode"`` (``Server`` or
``Client``) and ``"detail"`` (the name of the detail element the simulator puts into the fault).
``intervalMs`` belongs to ``trickle`` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
import struct
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.sim.kit.fault_rules import (
    DEFAULT_TIMEOUT_MS,
    DEFAULT_TRICKLE_INTERVAL_MS,
    HTTP_MODES,
    SOAP_FAULT_CODES,
    SOAP_MODES,
    FaultBook,
    FaultMode,
    FaultRule,
)

_DROP_PARTIAL_BODY = b'{"receiptId":"'
_DROP_CLAIMED_LENGTH = 256


# -- answering: what the HTTP modes do to a request ---------------------------------------------------


class SimulatedDrop(Exception):
    """Raised after a response has started so that uvicorn closes the connection mid-response."""


class DroppedResponse(Response):
    """Status line, headers promising more body than follows, a fragment, then a closed socket."""

    def __init__(self, status: int) -> None:
        super().__init__(status_code=status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(_DROP_CLAIMED_LENGTH).encode()),
        ]
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": _DROP_PARTIAL_BODY, "more_body": True})
        raise SimulatedDrop("simulated connection drop")


class _IgnoreSimulatedDrops(logging.Filter):
    """Keeps uvicorn from logging a traceback for every drop the simulator was asked to make."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


def quiet_simulated_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _IgnoreSimulatedDrops) for f in logger.filters):
        logger.addFilter(_IgnoreSimulatedDrops())


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


PROXY_ERROR_PAGE = """<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p>
<hr><address>simulated reverse proxy</address></body></html>
"""


class ResetConnection(Response):
    """No answer at all: the connection is aborted with an RST (``SO_LINGER`` 0, then close).

    uvicorn puts no transport into the ASGI scope; its ``receive`` is a bound method of the request
    cycle that holds it, so :func:`connection_transport` takes it from the request's ``receive``
    (before any wrapper replaces it). Without one, the connection is only closed: a drop.
    """

    def __init__(self, transport: Any) -> None:
        super().__init__(status_code=500)
        self.transport = transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = self.transport
        if transport is None:
            raise SimulatedDrop("simulated connection reset (as a close: no transport at hand)")
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        # The server learns of the lost connection on its next loop pass; answer nothing meanwhile.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_until_disconnect(receive), 5)


def connection_transport(receive: Receive) -> Any:
    """The asyncio (or uvloop) transport of the connection ``receive`` belongs to, if uvicorn's."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    # uvloop's transports are no asyncio.Transport subclasses: ask for what is used.
    if callable(getattr(transport, "abort", None)) and callable(getattr(transport, "get_extra_info", None)):
        return transport
    return None


class TrickledResponse(Response):
    """Whatever ``inner`` answers, its status and headers at once and its body one byte every
    ``interval_ms``; it stops when the client goes away, so abandoned answers do not pile up."""

    def __init__(self, inner: ASGIApp, interval_ms: int) -> None:
        super().__init__(status_code=200)
        self.inner = inner
        self.interval = interval_ms / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone: asyncio.Future[None] | None = None

        async def trickle(message: Message) -> None:
            nonlocal gone
            if message["type"] != "http.response.body":
                await send(message)
                return
            # The app has read its request by now: what receive yields next is the disconnect.
            if gone is None:
                gone = asyncio.ensure_future(_until_disconnect(receive))
            body: bytes = message.get("body", b"")
            for i in range(len(body)):
                await asyncio.wait({gone}, timeout=self.interval)
                if gone.done():
                    return
                await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)})

        try:
            await self.inner(scope, receive, trickle)
        finally:
            if gone is not None:
                gone.cancel()


def trickled(fired: Sequence[FaultRule], response: Response) -> Response:
    """``response`` as it is, or trickled if one of the rules fired for this request is ``trickle``."""
    for rule in fired:
        if rule.mode is FaultMode.TRICKLE:
            return TrickledResponse(response, rule.trickle_interval_ms)
    return response


Answer = Callable[[int, str, "dict[str, str] | None"], Response]
"""How a simulator words an error answer: ``(status, reason, headers) -> Response``."""


async def http_fault_response(rule: FaultRule, request: Request, answer: Answer) -> Response:
    """The answer of a ``status``, ``timeout``, ``drop``, ``html`` or ``reset`` rule; ``answer``
    renders status and reason."""
    status = rule.effective_status
    if rule.mode is FaultMode.DROP:
        return DroppedResponse(status)
    if rule.mode is FaultMode.RESET:
        return ResetConnection(connection_transport(request.receive))
    if rule.mode is FaultMode.HTML:
        return Response(PROXY_ERROR_PAGE, status, media_type="text/html")
    if rule.mode is FaultMode.TIMEOUT:
        # Stop waiting as soon as the client gives up, so abandoned requests do not pile up.
        wait_ms = rule.latency_ms if rule.latency_ms is not None else DEFAULT_TIMEOUT_MS
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_until_disconnect(request.receive), wait_ms / 1000)
    headers = None
    if rule.retry_after is not None:
        headers = {"Retry-After": str(math.ceil(rule.retry_after))}
    return answer(status, rule.reason, headers)


__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "DEFAULT_TRICKLE_INTERVAL_MS",
    "HTTP_MODES",
    "PROXY_ERROR_PAGE",
    "SOAP_FAULT_CODES",
    "SOAP_MODES",
    "Answer",
    "DroppedResponse",
    "FaultBook",
    "FaultMode",
    "FaultRule",
    "ResetConnection",
    "SimulatedDrop",
    "TrickledResponse",
    "connection_transport",
    "http_fault_response",
    "quiet_simulated_drops",
    "trickled",
]
