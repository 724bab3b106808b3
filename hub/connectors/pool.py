"""One connector instance per destination, created on first use and shared by all threads."""

from __future__ import annotations

import threading

from hub.connectors.base import Connector, ConnectorContext, Destination
from hub.connectors.registry import ConnectorRegistry


class ConnectorPool:
    def __init__(self, registry: ConnectorRegistry, context: ConnectorContext) -> None:
        self.registry = registry
        self.context = context
        self._lock = threading.Lock()
        self._instances: dict[str, Connector] = {}

    def get(self, destination: Destination) -> Connector:
        with self._lock:
            connector = self._instances.get(destination.id)
            if connector is None or connector.destination != destination:
                cls = self.registry.get(destination.connector)
                connector = self._instances[destination.id] = cls(destination, self.context)
            return connector

    def close(self) -> None:
        with self._lock:
            for connector in self._instances.values():
                connector.close()
            self._instances.clear()
