"""TLS for tests: a throw-away PKI (made with ``trustme``) and an ASGI app served over HTTPS with client certificates.

:class:`~hub.sim.kit.server.ServerThread` serves plain HTTP only; :class:`TlsServerThread` does the same job
(uvicorn in a daemon thread on a socket it binds itself, port 0 → a free port) with
``ssl.CERT_REQUIRED``, so a client that presents no certificate signed by the test CA is refused.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx
import trustme
from starlette.types import ASGIApp

from hub.sim.kit.server import ServerThread


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


class TlsServerThread(ServerThread):
    """An ASGI app served over HTTPS by uvicorn in a daemon thread, requiring a client certificate."""

    def __init__(self, app: ASGIApp, pki: Pki, host: str = "127.0.0.1") -> None:
        super().__init__(
            app,
            host=host,
            # asyncio, not uvloop: the TLS alert behaviour the tests observe is asyncio's.
            loop="asyncio",
            lifespan="off",
            ssl_certfile=str(pki.server_cert_file),
            ssl_keyfile=str(pki.server_key_file),
            ssl_ca_certs=str(pki.ca_file),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
        )
        self.pki = pki
