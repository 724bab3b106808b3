"""One connector instance per destination, created on first use and shared by all threads."""

from __future__ import annotations

import threading

from hub.connectors.base import Connector, ConnectorContext, Destination
from hub.connectors.registry import ConnectorRegistry


class ConnectorPool:
    """Connectors by destination id, kept as long as the destination's configuration is the same.

    A connector may adjust the destination it is given (``bauportal-nrw`` fills in XBau's transport
    defaults), so the pool compares the destination it was *created from*, not the connector's own.
    A connector replaced because its destination changed may still be sending on another thread: it
    is retired, and closed with the pool.
    """

    def __init__(self, registry: ConnectorRegistry, context: ConnectorContext) -> None:
        self.registry = registry
        self.context = context
        self._lock = threading.Lock()
        self._instances: dict[str, tuple[Destination, Connector]] = {}
        self._retired: list[Connector] = []

    def get(self, destination: Destination) -> Connector:
        with self._lock:
            found = self._instances.get(destination.id)
            if found is not None and found[0] == destination:
                return found[1]
            if found is not None:
                self._retired.append(found[1])
            cls = self.registry.get(destination.connector)
            connector = cls(destination, self.context)
            self._instances[destination.id] = (destination, connector)
            return connector

    def close(self) -> None:
        with self._lock:
            connectors = [c for _, c in self._instances.values()] + self._retired
            self._instances.clear()
            self._retired.clear()
        for connector in connectors:
            connector.close()
