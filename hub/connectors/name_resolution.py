"""Host names resolved under the attempt deadline.

``socket.create_connection`` resolves with ``getaddrinfo``, which blocks for as long as the system
resolver likes (timeout x attempts x name servers of ``resolv.conf``: 30 s and more for a name
server that does not answer) and is bounded by no socket timeout. Under an attempt deadline the
name is therefore resolved on a small pool of resolver threads and waited for only as long as the
attempt has left: a resolver that hangs keeps a thread, never the delivery. The pool is bounded,
so a resolver that hangs for every name cannot pile up threads; once all of them are busy, further
resolutions queue and time out with their attempts. IP literals are not resolved at all.

The pool is made on first use and forgotten in a forked child (its threads do not survive a fork).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

RESOLVER_THREADS = 4

Address = tuple[Any, ...]
"""A ``sockaddr`` as ``getaddrinfo`` gives it: ``(host, port)`` or ``(host, port, flow, scope)``."""

resolve = socket.getaddrinfo
"""The resolver: the system's. A test replaces it to play a name server that does not answer."""

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _resolvers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=RESOLVER_THREADS, thread_name_prefix="hub-resolver")
        return _pool


def _forget_pool() -> None:
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def addresses_within(host: str, port: int, seconds: float) -> list[tuple[int, Address]]:
    """``(family, sockaddr)`` for each address of ``host``, or ``TimeoutError`` after ``seconds``.

    ``socket.gaierror`` (an ``OSError``) when the name does not resolve.
    """
    if _literal(host):
        bare = host.strip("[]")
        family = socket.AF_INET6 if ":" in bare else socket.AF_INET
        return [(family, (bare, port))]
    future: Future[list[Any]] = _resolvers().submit(lambda: resolve(host, port, 0, socket.SOCK_STREAM))
    try:
        found = future.result(timeout=max(seconds, 0.0))
    except FutureTimeout:
        future.cancel()
        raise TimeoutError(f"resolving {host} took longer than the {seconds:.1f} s the attempt had left") from None
    return [(family, sockaddr) for family, _, _, _, sockaddr in found]
