"""A portal's callback endpoint as a real server: what the hub's signed status callbacks reach."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.sim.kit.server import ServerThread


class PortalReceiver:
    """Records each callback request; can fail the first N (``fail_next``)."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.fail_next = 0
        self.lock = threading.Lock()

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return Response(status_code=503)
            self.received.append((body, dict(request.headers)))
        return Response(status_code=204)

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [orjson.loads(body) for body, _ in self.received]


@contextmanager
def serve_portal() -> Iterator[tuple[PortalReceiver, str]]:
    """The receiver and its callback URL, served on a free loopback port for the block."""
    receiver = PortalReceiver()
    app = Starlette(routes=[Route("/hub-callback", receiver.endpoint, methods=["POST"])])
    with ServerThread(app) as server:
        yield receiver, f"{server.url}/hub-callback"
