"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task and a stream copy per request)."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api import metrics


class CorrelationMiddleware:
    """Binds a correlation id (``X-Correlation-Id`` or a new one) to logs and echoes it; times requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = ""
        for name, value in scope["headers"]:
            if name == b"x-correlation-id":
                correlation_id = value.decode("latin-1")[:100]
                break
        correlation_id = correlation_id or str(uuid.uuid4())
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Correlation-Id"] = correlation_id
            await send(message)

        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")
            metrics.observe_request(scope, status, time.perf_counter() - started)
