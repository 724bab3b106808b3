"""Clients that are not thread-safe (zeep's), lent to one worker thread at a time and kept for the next.

A connector is shared by every thread delivering to its destination, but a zeep client may serve
only one call at a time. :class:`ClientLender` hands each caller a client of its own and takes it
back afterwards, so there are never more clients than calls running at once::

    self._clients = ClientLender(lambda: XtaClient(settings, http=self.client))
    with self._clients.borrow() as client:
        client.send_message(...)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class ClientLender(Generic[T]):
    """Lends clients made by ``make``; grows to as many as are borrowed at once."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._idle: list[T] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def borrow(self) -> Iterator[T]:
        """A client for this thread alone, returned for the next caller afterwards."""
        with self._lock:
            client = self._idle.pop() if self._idle else None
        if client is None:
            client = self._make()
        try:
            yield client
        finally:
            with self._lock:
                if not self._closed:
                    self._idle.append(client)

    def close(self) -> None:
        """Forget the idle clients; one still borrowed is dropped when it comes back."""
        with self._lock:
            self._closed = True
            self._idle.clear()


__all__ = ["ClientLender"]
