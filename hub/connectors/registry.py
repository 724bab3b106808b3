"""Connector plugins, found through the entry-point group ``hub.connectors``.

Installing a package that declares an entry point makes its connector *available*; it is imported
only when a destination uses it, so heavy dependencies (zeep, crypto) cost nothing otherwise.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from hub.connectors.base import Connector
from hub.errors import ConfigError

GROUP = "hub.connectors"


class UnknownConnector(ConfigError):
    pass


class ConnectorRegistry:
    def __init__(self, extra: dict[str, type[Connector]] | None = None) -> None:
        self._entry_points: dict[str, EntryPoint] = {ep.name: ep for ep in entry_points(group=GROUP)}
        self._loaded: dict[str, type[Connector]] = dict(extra or {})

    def names(self) -> list[str]:
        return sorted(set(self._entry_points) | set(self._loaded))

    def describe(self, name: str) -> str:
        ep = self._entry_points.get(name)
        return ep.value if ep else f"{self._loaded[name].__module__}:{self._loaded[name].__qualname__}"

    def get(self, name: str) -> type[Connector]:
        if name not in self._loaded:
            ep = self._entry_points.get(name)
            if ep is None:
                known = ", ".join(self.names()) or "none"
                raise UnknownConnector(f"no connector named {name!r} (known: {known})")
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Connector)):
                raise UnknownConnector(f"entry point {name!r} ({ep.value}) is not a Connector class")
            self._loaded[name] = cls
        return self._loaded[name]
