"""What the ``hub.connectors`` entry points of this environment provide, for ``hub connectors list``.

Unlike :class:`~hub.connectors.registry.ConnectorRegistry`, which imports a connector only when a
destination uses it, a listing imports every one, so it can say what each class declares; a plugin
that fails to import is listed with its error instead of breaking the listing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from hub.connectors.base import Connector
from hub.connectors.registry import GROUP


@dataclass(frozen=True)
class ConnectorInfo:
    """One entry point of the group: where it points, who installed it, and what its class declares."""

    name: str
    target: str
    """``module:Class`` as declared by the entry point."""
    distribution: str | None
    version: str | None
    connector: type[Connector] | None = None
    error: str | None = None
    """Why the entry point could not be loaded as a Connector class, if it could not."""

    @property
    def summary(self) -> str:
        """The first paragraph of the class's docstring (of its module's, when the class has none), on one line."""
        if self.connector is None:
            return ""
        doc = self.connector.__doc__ or importlib.import_module(self.connector.__module__).__doc__ or ""
        return " ".join(doc.strip().split("\n\n")[0].split())

    def as_dict(self) -> dict[str, Any]:
        connector = self.connector
        return {
            "name": self.name,
            "class": self.target,
            "distribution": self.distribution,
            "version": self.version,
            "requestsPerSend": connector.requests_per_send if connector else None,
            "sendsAttachments": connector.sends_attachments if connector else None,
            "summary": self.summary,
            "error": self.error,
        }


def describe(ep: EntryPoint) -> ConnectorInfo:
    """Load one entry point and say what it is."""
    dist = ep.dist
    info = ConnectorInfo(ep.name, ep.value, dist.name if dist else None, dist.version if dist else None)
    try:
        loaded = ep.load()
    except Exception as exc:  # a broken plugin is reported, not fatal
        return _with(info, error=f"cannot import: {type(exc).__name__}: {exc}")
    if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
        return _with(info, error="not a Connector class")
    if getattr(loaded, "name", None) != ep.name:
        return _with(info, connector=loaded, error=f"the class's name is {getattr(loaded, 'name', None)!r}")
    return _with(info, connector=loaded)


def _with(info: ConnectorInfo, **changes: Any) -> ConnectorInfo:
    return ConnectorInfo(**{**info.__dict__, **changes})


def installed_connectors() -> list[ConnectorInfo]:
    """Every connector entry point of the environment, by name."""
    return sorted((describe(ep) for ep in entry_points(group=GROUP)), key=lambda i: (i.name, i.target))


__all__ = ["ConnectorInfo", "describe", "installed_connectors"]
