"""Serving ASGI apps (the simulators, the hub's own API) as real servers on loopback.

Tests and benchmarks want real sockets, not in-process transports: timeouts, dropped
connections and keep-alive only behave truthfully over TCP. :class:`ServerThread` binds the
socket itself, so port 0 yields a free port that is known before the first request.
"""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.config import LOGGING_CONFIG

STARTUP_TIMEOUT = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 1
"""In-flight requests get this long at stop() before they are cancelled (e.g. a 60 s timeout)."""


def listening_socket(host: str, port: int, *, backlog: int) -> socket.socket:
    """A TCP socket bound and listening on ``host:port`` (port 0: a free one, known at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def _loop_name() -> str:
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def _config(app: ASGIApp, host: str, port: int, *, own_logging: bool, **overrides: Any) -> uvicorn.Config:
    """Settings shared by both ways of serving: fast protocol and loop, no per-request logging.

    ``overrides`` are further ``uvicorn.Config`` arguments, e.g. the ``ssl_*`` ones for HTTPS.
    """
    options: dict[str, Any] = dict(
        host=host,
        port=port,
        # A process of its own announces where it listens; inside tests only problems are news.
        log_level="info" if own_logging else "warning",
        access_log=False,
        http="httptools",
        ws="none",
        loop=_loop_name(),
        lifespan="auto",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # Inside another program (tests, bench) leave its logging setup alone.
        log_config=LOGGING_CONFIG if own_logging else None,
    )
    options.update(overrides)
    return uvicorn.Config(app, **options)


class ServerThread:
    """An ASGI app served by uvicorn in a daemon thread: ``with ServerThread(app) as srv: srv.url``.

    Stopping waits for in-flight requests at most :data:`GRACEFUL_SHUTDOWN_SECONDS`.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, **uvicorn_options: Any) -> None:
        self.app = app
        self.host = host
        self.uvicorn_options = uvicorn_options
        self._requested_port = port
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.uvicorn_options.get("ssl_certfile") else "http"
        return f"{scheme}://{host}:{self.port}"

    def start(self, timeout: float = STARTUP_TIMEOUT) -> ServerThread:
        """Bind, serve in the background and return once connections are being accepted."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        sock = self._bind()
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(_config(self.app, self.host, self._port, own_logging=False, **self.uvicorn_options))
        self._server = server
        self._thread = threading.Thread(
            target=self._run, args=(server, sock), name=f"asgi-server-{self._port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server on {self.url} did not start") from self._error
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask uvicorn to shut down and wait for it; idempotent."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._server = self._thread = None

    def _bind(self) -> socket.socket:
        return listening_socket(self.host, self._requested_port, backlog=2048)

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        # uvicorn exits via SystemExit on startup failure; keep it (and anything else) in
        # this object so start() can report it instead of the thread dying noisily.
        try:
            server.run(sockets=[sock])
        except BaseException as exc:
            self._error = exc
        finally:
            sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_app(app: ASGIApp, host: str, port: int) -> None:
    """Serve a simulator app in this process until interrupted (SIGINT/SIGTERM)."""
    uvicorn.Server(_config(app, host, port, own_logging=True)).run()
