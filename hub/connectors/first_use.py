"""What a connector makes on first use and shares between the worker's threads: a client, its settings.

A connector is constructed when a destination is first used, and shared by every thread that
delivers to it. Reading settings, loading a WSDL or opening a client belongs to the first build or
send, not to the constructor: a broken destination then fails its builds (422 or 503 at intake) and
its sends (retried, with the reason in ``lastError``) instead of the worker that constructs it::

    self._settings = FirstUse(lambda: SoapSettings.read(self.destination))
    ...
    settings = self._settings.get()          # made once, under a lock, by whichever thread is first
    client = self._client.take()             # in close(): the value, if it was made, forgotten here
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class FirstUse(Generic[T]):
    """One value, made by ``make`` on the first :meth:`get`; a failed ``make`` is tried again next time."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value

    def take(self) -> T | None:
        """The value if it was made, forgotten here (a later :meth:`get` makes a new one): for ``close``."""
        with self._lock:
            value, self._value = self._value, None
        return value


__all__ = ["FirstUse"]
