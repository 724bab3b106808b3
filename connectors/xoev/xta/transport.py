"""zeep on httpx: a synchronous zeep ``Transport`` that posts with an ``httpx.Client``.

zeep 4.3 offers httpx only through ``AsyncTransport`` (async operations); its synchronous
``Transport`` is built on ``requests``. The hub talks HTTP through httpx everywhere (timeouts,
TLS setup, connection pooling and error types are the same as in its REST connectors), so this
subclass replaces the three methods zeep uses for I/O: ``post`` (operations), ``get`` and
``load`` (documents). It hands zeep a ``requests.Response`` built from the httpx answer, as
zeep's own ``AsyncTransport.new_response`` does.

An answer that is no SOAP envelope at all (a proxy's HTML page) is refused here, before zeep
parses it, as :class:`NoSoapEnvelope` with its status: zeep would report a page with a DTD as
forbidden and one with another root as a broken answer, both of which read as the receiver's fault
for good. The status then decides (:func:`connectors.xoev.xta.errors.classify`).

Loading is offline on purpose: the WSDL and XSDs come from the local schema catalog; any
``http(s)`` location is refused instead of fetched.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import requests
from zeep.exceptions import TransportError
from zeep.transports import Transport

from connectors.xoev.xta.envelope import not_an_envelope
from connectors.xoev.xta.settings import TlsFiles
from hub.connectors.deadline_transport import deadline_client
from hub.errors import ConfigError

logger = logging.getLogger(__name__)


class NoSoapEnvelope(TransportError):
    """An answer whose body is something else than a SOAP envelope; ``message`` says what."""

    def __init__(self, instead: str, status_code: int, content: bytes) -> None:
        super().__init__(instead, status_code=status_code, content=content)  # type: ignore[no-untyped-call]


class OfflineLoadRefused(ConfigError):
    """The WSDL or a schema it imports points at the network; the catalog must hold it locally."""


def ssl_context(tls: TlsFiles | None) -> ssl.SSLContext | bool:
    """httpx's ``verify`` value: the platform's trust unless a CA or a client certificate is set."""
    if tls is None or (tls.ca is None and tls.cert is None):
        return True
    context = ssl.create_default_context(cafile=str(tls.ca) if tls.ca else None)
    if tls.cert is not None:
        context.load_cert_chain(str(tls.cert), str(tls.key) if tls.key else None)
    return context


def http_client(timeout: float, tls: TlsFiles | None = None, *, max_connections: int = 10) -> httpx.Client:
    """The httpx client for SOAP calls; an ``SSLContext`` rather than httpx's deprecated ``cert=``.

    It runs on the hub's deadline transport: inside a delivery attempt every call is bounded by what
    is left of the attempt and its answer by the destination's ``maxAnswerBytes``, and the body
    zeep gets has streamed through that count (httpx reads it before :meth:`HttpxTransport.post`
    returns).
    """
    return deadline_client(timeout, verify=ssl_context(tls), max_connections=max_connections)


class HttpxTransport(Transport):
    """A zeep transport whose operations go through the given ``httpx.Client`` (not closed here).

    ``super().__init__`` is not called on purpose: it would open a ``requests.Session`` that is
    never used.
    """

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.cache = None
        self.load_timeout = None
        self.operation_timeout: float | None = None
        self.logger = logger
        self._close_session = False

    def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> requests.Response:
        content = message.encode("utf-8") if isinstance(message, str) else message
        kwargs: dict[str, Any] = {}
        if self.operation_timeout is not None:
            kwargs["timeout"] = self.operation_timeout
        response = self.client.post(address, content=content, headers=headers, **kwargs)
        if response.content.strip():
            instead = not_an_envelope(response.content, response.headers.get("content-type"))
            if instead is not None:
                raise NoSoapEnvelope(instead, status_code=response.status_code, content=response.content)
        return _as_requests_response(response)

    def get(self, address: str, params: dict[str, str], headers: dict[str, str]) -> requests.Response:
        return _as_requests_response(self.client.get(address, params=params, headers=headers))

    def load(self, url: str) -> bytes:
        """Read a WSDL or XSD from the local file system; network locations are refused."""
        if not url:
            raise ValueError("no url given to load")
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https"):
            raise OfflineLoadRefused(f"refusing to fetch {url}: WSDL and schemas are loaded offline")
        path = Path(parsed.path) if parsed.scheme == "file" else Path(url).expanduser()
        return path.read_bytes()

    def __del__(self) -> None:
        """Nothing to close: the httpx client belongs to whoever passed it in."""


def _as_requests_response(response: httpx.Response) -> requests.Response:
    """The shape zeep's binding reads (status, headers, body, encoding), filled from httpx."""
    converted = requests.Response()
    converted._content = response.content
    converted.status_code = response.status_code
    converted.headers = requests.structures.CaseInsensitiveDict(response.headers.items())
    converted.encoding = response.encoding
    converted.url = str(response.url)
    return converted
