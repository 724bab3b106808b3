"""httpx under the attempt deadline: every connect, write and read of a delivery bounded by what is left.

:class:`DeadlineTransport` is an ``httpx.BaseTransport`` over httpcore's connection pool. Outside an
attempt (:func:`~hub.connectors.deadline.current_deadline` is None) it behaves like
``httpx.HTTPTransport``. Inside one:

- each request's connect/read/write/pool timeouts are capped by what is left of the attempt, and
  so is the resolution of the host name (:mod:`hub.connectors.name_resolution`);
- every blocking socket operation (connect, TLS handshake, each write, each read: headers and
  body alike, on new and on pooled keep-alive connections) is capped too, and the connection's
  socket is armed with an abort (``deadline.on_expiry``, once per attempt that uses it): when the
  deadline passes the socket is shut down, so a read on a trickling answer returns at the
  deadline, not one read later;
- the answer's body is counted against the destination's ``maxAnswerBytes`` (a ``Content-Length``
  above it fails before a byte of the body is read);
- what the deadline causes comes out as :class:`~hub.connectors.deadline.AttemptTimeout` or
  :class:`~hub.connectors.deadline.AnswerTooLarge` (both ``TransientError``), never as an httpx error.

The network-level guard is a wrapped httpcore ``NetworkBackend``: it is the one place every socket
operation passes through, whichever connection the pool picks. zeep (SOAP) takes an
``httpx.Client``, so :func:`deadline_client` serves it as well.

Forward proxies come from the environment as for any httpx client (``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY``, ``NO_PROXY``; read when the transport is made), but are served by this transport, so
a proxied request is under the deadline too: ``httpx.Client`` would otherwise mount its own
transports for them (:func:`deadline_client` turns that off).
"""

from __future__ import annotations

import socket
import ssl
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, NoReturn

import httpcore
import httpx

from hub.connectors.deadline import AnswerTooLarge, AttemptTimeout, Deadline, current_deadline
from hub.connectors.name_resolution import addresses_within

_TIMEOUT_KEYS = ("connect", "read", "write", "pool")

# httpcore's errors as httpx names them (most specific first), as httpx.HTTPTransport maps them.
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors(deadline: Deadline | None) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if isinstance(exc, AttemptTimeout | AnswerTooLarge):
            raise
        if deadline is not None and deadline.expired:
            raise deadline.exceeded() from exc
        for core, mapped in _HTTPX_ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


def _shut_down(stream: httpcore.NetworkStream) -> None:
    sock = stream.get_extra_info("socket")
    if sock is not None:
        # socket.socket's own shutdown, also for an SSLSocket: it wakes a read blocked in another
        # thread without tearing down the TLS object that read is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _raise_for(deadline: Deadline, timeout: float | None, capped: float, exc: BaseException) -> NoReturn:
    """Re-raise a socket operation's failure; one the deadline caused as an AttemptTimeout."""
    by_deadline = isinstance(exc, httpcore.TimeoutException | TimeoutError) and (timeout is None or capped < timeout)
    if deadline.expired or by_deadline:
        raise deadline.exceeded() from exc
    raise exc


_SOCKET_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, OSError)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection's socket, each operation bounded by the attempt current in the calling thread.

    The abort that shuts the socket down at the deadline is registered once per attempt that uses
    the connection (not per read and write: that cost a lock round and a closure each on the hot
    path), and only fires while that attempt is still the connection's user: a keep-alive
    connection handed to another attempt is re-armed for it, and the earlier deadline's abort
    then leaves it alone.
    """

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self._armed: Deadline | None = None

    def _arm(self, deadline: Deadline) -> None:
        if self._armed is not deadline:
            self._armed = deadline
            deadline.on_expiry(partial(self._abort, deadline))

    def _abort(self, deadline: Deadline) -> None:
        if self._armed is deadline:
            _shut_down(self._stream)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = current_deadline()
        if deadline is None:
            return self._stream.read(max_bytes, timeout)
        capped = deadline.timeout(timeout)
        self._arm(deadline)
        try:
            data = self._stream.read(max_bytes, capped)
        except _SOCKET_ERRORS as exc:
            _raise_for(deadline, timeout, capped, exc)
        if not data and deadline.expired:
            raise deadline.exceeded()  # our abort's shutdown reads as an end of stream
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        deadline = current_deadline()
        if deadline is None:
            self._stream.write(buffer, timeout)
            return
        capped = deadline.timeout(timeout)
        self._arm(deadline)
        try:
            self._stream.write(buffer, capped)
        except _SOCKET_ERRORS as exc:
            _raise_for(deadline, timeout, capped, exc)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        deadline = current_deadline()
        if deadline is None:
            return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))
        capped = deadline.timeout(timeout)
        self._arm(deadline)
        try:
            return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, capped))
        except _SOCKET_ERRORS as exc:
            _raise_for(deadline, timeout, capped, exc)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        deadline = current_deadline()
        if deadline is None:
            stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        else:
            # No socket to shut down yet: the capped timeout alone bounds the resolution and the
            # connect (each address in turn, as socket.create_connection does).
            capped = deadline.timeout(timeout)
            try:
                stream = self._connect_any(host, port, deadline, timeout, local_address, socket_options)
            except _SOCKET_ERRORS as exc:
                _raise_for(deadline, timeout, capped, exc)
        return _DeadlineStream(stream)

    def _connect_any(
        self,
        host: str,
        port: int,
        deadline: Deadline,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.NetworkStream:
        """The first address of ``host`` that connects; the name resolved within the deadline.

        TLS still verifies the name, not the address: httpcore hands the request's host to
        ``start_tls`` as the server name.
        """
        try:
            addresses = addresses_within(host, port, deadline.timeout(timeout))
        except TimeoutError as exc:  # as httpcore's own backend names a slow connect
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        failure: BaseException | None = None
        for _, sockaddr in addresses:
            try:
                return self._backend.connect_tcp(
                    sockaddr[0], port, deadline.timeout(timeout), local_address, socket_options
                )
            except _SOCKET_ERRORS as exc:
                failure = exc
        raise failure if failure is not None else httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _CountedBody(httpx.SyncByteStream):
    """An answer's body, counted against the attempt's ``maxAnswerBytes`` as it streams in."""

    def __init__(self, chunks: Iterable[bytes], deadline: Deadline | None) -> None:
        self._chunks = chunks
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        with _as_httpx_errors(self._deadline):
            for chunk in self._chunks:
                received += len(chunk)
                if self._deadline is not None:
                    self._deadline.count(received)
                yield chunk

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            with _as_httpx_errors(self._deadline):
                close()


class DeadlineTransport(httpx.BaseTransport):
    """httpx's transport contract (one request in, one response out) under the attempt deadline.

    Without a current deadline it is a plain keep-alive HTTP/1.1 transport. ``trust_env=False``
    ignores the environment's proxies.
    """

    def __init__(
        self, *, verify: ssl.SSLContext | bool = True, limits: httpx.Limits | None = None, trust_env: bool = True
    ) -> None:
        limits = limits or httpx.Limits()
        self._proxies = _environment_proxies() if trust_env else {}
        # One pool per way out: direct, and through each proxy the environment names.
        self._pools = {
            proxy: httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(verify=verify),
                proxy=httpcore.Proxy(proxy) if proxy else None,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=_DeadlineBackend(),
            )
            for proxy in {"", *(v for k, v in self._proxies.items() if k != "no")}
        }

    def _pool_for(self, url: httpx.URL) -> httpcore.ConnectionPool:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all") or ""
        if proxy and _bypassed(url.host, self._proxies.get("no", "")):
            proxy = ""
        return self._pools[proxy]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = current_deadline()
        extensions = dict(request.extensions)
        if deadline is not None:
            configured: dict[str, float | None] = dict(extensions.get("timeout") or {})
            left = deadline.remaining()
            extensions["timeout"] = {key: _capped(configured.get(key), left) for key in _TIMEOUT_KEYS}
        if not isinstance(request.stream, Iterable):
            raise TypeError("DeadlineTransport sends synchronous request bodies only")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=extensions,
        )
        with _as_httpx_errors(deadline):
            answer = self._pool_for(request.url).handle_request(core_request)
        if not isinstance(answer.stream, Iterable):
            raise TypeError("httpcore answered with an asynchronous body")
        body = _CountedBody(answer.stream, deadline)
        if deadline is not None:
            _refuse_announced_excess(answer, body, deadline)
        return httpx.Response(answer.status, headers=answer.headers, stream=body, extensions=answer.extensions)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


def _capped(configured: float | None, left: float) -> float:
    return left if configured is None else min(configured, left)


def _environment_proxies() -> dict[str, str]:
    """``{scheme: proxy URL}`` for http, https and all, plus ``no`` (the bypass list), from the environment."""
    found = urllib.request.getproxies_environment()
    return {k: v for k, v in found.items() if k in ("http", "https", "all", "no") and v}


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` exempts ``host``: ``*``, the host itself, or a domain it lies in."""
    host = host.lower()
    for entry in (e.strip().lower().lstrip(".") for e in no_proxy.split(",")):
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def _refuse_announced_excess(answer: httpcore.Response, body: _CountedBody, deadline: Deadline) -> None:
    announced = [int(v) for n, v in answer.headers if n.lower() == b"content-length" and v.strip().isdigit()]
    if announced and announced[0] > deadline.max_answer_bytes:
        body.close()
        raise AnswerTooLarge(
            f"answer of {announced[0]} bytes announced, more than the {deadline.max_answer_bytes} allowed"
        )


def deadline_client(
    timeout: float,
    *,
    verify: ssl.SSLContext | bool = True,
    max_connections: int = 10,
) -> httpx.Client:
    """A keep-alive ``httpx.Client`` on :class:`DeadlineTransport`; ``timeout`` bounds each single
    network operation, the current attempt deadline (if any) the whole of every request."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.Client(
        transport=DeadlineTransport(verify=verify, limits=limits),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        # The transport serves the environment's proxies itself; httpx's own would bypass the deadline.
        trust_env=False,
    )


__all__ = ["DeadlineTransport", "deadline_client"]
