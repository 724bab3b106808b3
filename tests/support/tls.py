"""TLS for tests: a throw-away PKI (made with ``trustme``) and an ASGI app served over HTTPS with client certificates.

:class:`~hub.sim.server.ServerThread` serves plain HTTP only; :class:`TlsServerThread` does the same job
(uvicorn in a daemon thread on a socket it binds itself, port 0 → a free port) with
``ssl.CERT_REQUIRED``, so a client that presents no certificate signed by the test CA is refused.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import trustme
import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Pki:
    """PEM files of one test CA, a server certificate for 127.0.0.1 and a client certificate."""

    ca_file: Path
    server_cert_file: Path
    server_key_file: Path
    client_cert_file: Path
    client_key_file: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA and presents the client certificate."""
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        ctx.load_cert_chain(str(self.client_cert_file), str(self.client_key_file))
        return ctx

    def client(self, base_url: str) -> httpx.Client:
        return httpx.Client(base_url=base_url, verify=self.client_context(), timeout=10)


def make_pki(directory: Path, *, server_host: str = "127.0.0.1") -> Pki:
    """Generate a CA, a server certificate for ``server_host`` and a client certificate into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert(server_host)
    client = ca.issue_cert("hub-client@test.invalid", common_name="emscher-lippe-hub")
    pki = Pki(
        ca_file=directory / "ca.pem",
        server_cert_file=directory / "server.pem",
        server_key_file=directory / "server.key",
        client_cert_file=directory / "client.pem",
        client_key_file=directory / "client.key",
    )
    ca.cert_pem.write_to_path(str(pki.ca_file))
    server.private_key_pem.write_to_path(str(pki.server_key_file))
    client.private_key_pem.write_to_path(str(pki.client_key_file))
    for blob_index, blob in enumerate(server.cert_chain_pems):
        blob.write_to_path(str(pki.server_cert_file), append=blob_index > 0)
    for blob_index, blob in enumerate(client.cert_chain_pems):
        blob.write_to_path(str(pki.client_cert_file), append=blob_index > 0)
    return pki


class TlsServerThread:
    """An ASGI app served over HTTPS by uvicorn in a daemon thread, requiring a client certificate."""

    def __init__(self, app: ASGIApp, pki: Pki, host: str = "127.0.0.1") -> None:
        self.app = app
        self.pki = pki
        self.host = host
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
        return f"https://{self.host}:{self.port}"

    def start(self, timeout: float = STARTUP_TIMEOUT) -> TlsServerThread:
        if self._thread is not None:
            raise RuntimeError("server already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(128)
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self._port,
            log_level="warning",
            access_log=False,
            ws="none",
            loop="asyncio",
            lifespan="off",
            timeout_graceful_shutdown=1,
            log_config=None,
            ssl_certfile=str(self.pki.server_cert_file),
            ssl_keyfile=str(self.pki.server_key_file),
            ssl_ca_certs=str(self.pki.ca_file),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=self._run, args=(server, sock), name=f"tls-server-{self._port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"TLS server on {self.url} did not start") from self._error
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._server = self._thread = None

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:
            self._error = exc
        finally:
            sock.close()

    def __enter__(self) -> TlsServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
