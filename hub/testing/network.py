"""Addresses where nothing listens, for the "receiver is down" case of the conformance suite."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def closed_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A port that refuses connections while the context lasts.

    The socket is bound but never listens: a connection attempt is refused at once (no timeout to
    wait for), and no other process can take the port in the meantime.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        yield int(sock.getsockname()[1])


def with_port(address: str, port: int) -> str:
    """``address`` (a URL with a host) with its port replaced: ``http://127.0.0.1:8123/x`` → ``…:port/x``."""
    parts = urlsplit(address)
    if not parts.hostname:
        raise ValueError(f"{address!r} is not a URL with a host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}:{port}" if userinfo else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@contextmanager
def unreachable(address: str) -> Iterator[str]:
    """``address`` moved to a port on the same host where nothing listens."""
    host = urlsplit(address).hostname or "127.0.0.1"
    with closed_port(host) as port:
        yield with_port(address, port)


__all__ = ["closed_port", "unreachable", "with_port"]
