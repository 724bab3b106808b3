"""The base of connectors that deliver over HTTP: it owns the client, its close and the attempt's deadline.

Subclass :class:`HttpConnector` instead of :class:`~hub.connectors.base.Connector` and send with
:meth:`HttpConnector.post` (or :meth:`HttpConnector.request`)::

    class RestConnector(HttpConnector):
        def send(self, message: OutboundMessage) -> Receipt:
            response = self.post(self.url, content=message.body, headers=headers)
            raise_for_delivery(response)
            ...

The client is made on the first request and shared by the worker's threads (an ``httpx.Client``
is thread-safe): a keep-alive pool sized to the destination's concurrency, with its TLS client
certificate (:func:`~hub.connectors.http.client_for`), on the deadline transport
(:mod:`hub.connectors.deadline_transport`). So every request made inside a delivery attempt is
bounded by what is left of the attempt, and its answer by the destination's ``maxAnswerBytes``;
transport failures come out as :class:`~hub.errors.TransientError` (an
:class:`~hub.connectors.deadline.AttemptTimeout` when the deadline caused them). ``close`` releases
the pool and may be called twice; a request after it opens a new one.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub.connectors.base import Connector, ConnectorContext, Destination
from hub.connectors.deadline import Deadline, current_deadline
from hub.connectors.first_use import FirstUse
from hub.connectors.http import client_for, transport_errors


class HttpConnector(Connector):
    """A connector with one pooled, deadline-bounded ``httpx.Client``, made on first use."""

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self._http = FirstUse(self.make_client)

    def make_client(self) -> httpx.Client:
        """The client for this destination (a hook: override for another size or TLS setup)."""
        return client_for(self.destination)

    @property
    def client(self) -> httpx.Client:
        return self._http.get()

    @property
    def deadline(self) -> Deadline | None:
        """The running attempt's deadline (None outside one), for waits that are not HTTP requests."""
        return current_deadline()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request; a transport failure is a :class:`~hub.errors.TransientError`. The answer's
        status is the caller's to judge (:func:`~hub.connectors.http.raise_for_delivery`)."""
        with transport_errors():
            return self.client.request(method, url, **kwargs)

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.request("POST", url, content=content, headers=headers)

    def close(self) -> None:
        client = self._http.take()
        if client is not None:
            client.close()


__all__ = ["HttpConnector"]
