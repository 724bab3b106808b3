"""Inbound sources: plugins that fetch messages addressed to a municipality from a platform.

The other direction of :class:`~hub.connectors.base.Connector`. A source is configured per
municipality under ``inbound:`` in ``region.yaml`` (:class:`SourceConfig`) and found through the
entry-point group ``hub.inbound_sources``. The hub's runner (:mod:`hub.service.inbound`) drives it:

1. :meth:`InboundSource.poll` yields the messages waiting for it, each as a :class:`Received`;
2. the runner stores each one (or recognises it as already stored) in one transaction;
3. only then it calls :meth:`InboundSource.confirm`, which tells the platform the message was
   received (XTA ``close``). A crash between 2 and 3 leaves the message waiting: the next poll
   fetches it again and the store recognises it, so it is confirmed without a second case.

``poll`` raises :class:`~hub.errors.TransientError` when the platform cannot be reached: what is
not yet confirmed stays at the platform for the next poll. A source never decides whether a
message is acceptable: it hands over what it received (or, for one over the size cap, only that
it is too large) and the hub decides (:mod:`hub.domain.inbound`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

from hub.connectors.base import ConnectorContext
from hub.domain.inbound_routes import InboundRoute, route_destinations
from hub.errors import ConfigError

GROUP = "hub.inbound_sources"
DEFAULT_MAX_MESSAGE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One ``inbound:`` entry of ``region.yaml``: which plugin reads which box for which municipality."""

    id: str
    kind: str
    municipality: str
    name: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)
    accepts: tuple[str, ...] = ()
    """The standards (e.g. ``xgewerbeanzeige``) this box's messages are routed for; others go to quarantine."""
    destinations: tuple[str, ...] = ()
    """The back-office destinations a received case is delivered to (docs/inbound.md)."""
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    routes: tuple[InboundRoute, ...] = ()
    """Destinations by message type (``routes:``), the first match wins; ``destinations`` for the rest."""

    def destinations_for(self, message_type: str) -> tuple[str, ...]:
        """The back-office destinations a case of ``message_type`` (XÖV message type or LeiKa key) goes to."""
        return route_destinations(self.routes, self.destinations, message_type)


@dataclass(frozen=True, slots=True)
class ReceivedPart:
    """The message or one attachment as the platform handed it over."""

    data: bytes
    media_type: str = "application/xml"
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Identified:
    """What a source that does not carry XÖV messages has already read and checked of one (FIT-Connect):
    the runner takes it instead of reading an XÖV header."""

    standard: str
    version: str
    message_type: str
    message_uuid: str


@dataclass(frozen=True, slots=True)
class Received:
    """One message fetched from a source, not yet confirmed there.

    ``external_id`` is the platform's id of the message (XTA: its message id), unique per source.
    ``header`` holds the platform's transport metadata (authorities, service, message type: no
    personal data). ``message`` is None when the message was not fetched because it is larger than
    the source's cap; ``size`` is then what the platform announced.
    """

    external_id: str
    sender: str | None
    reader: str
    message: ReceivedPart | None
    attachments: tuple[ReceivedPart, ...] = ()
    header: Mapping[str, Any] = field(default_factory=dict)
    size: int = 0
    handle: Any = None
    """Whatever the source needs to confirm this message (XTA: the box request id)."""
    identified: Identified | None = None
    """Set by a source whose messages are not XÖV and which checked them itself (see :class:`Identified`)."""

    @property
    def too_large(self) -> bool:
        return self.message is None


class InboundSource(ABC):
    """Base of every inbound source plugin. Subclasses set ``kind`` (the entry-point name)."""

    kind: ClassVar[str] = ""

    def __init__(self, config: SourceConfig, context: ConnectorContext) -> None:
        self.config = config
        self.context = context

    @abstractmethod
    def poll(self) -> Iterator[Received]:
        """The waiting messages, one at a time, fetched lazily (the runner stores each before the next)."""

    @abstractmethod
    def confirm(self, received: Received) -> None:
        """Tell the platform that ``received`` is stored for good; it will not be offered again."""

    def describe(self) -> str:
        """One line for ``hub sources list``: where this source reads from (no secrets)."""
        return ""

    def waiting(self) -> Mapping[str, str | None] | None:
        """After a poll: the platform ids still waiting there unanswered, each with why (None: not reached).

        None when the source cannot say (its listing failed, or it has none: an XTA box's messages
        are all taken). The runner keeps these for the operators' warnings (:mod:`hub.domain.unanswered`).
        """
        return None

    def close(self) -> None:  # noqa: B027 - optional hook: most sources have nothing to release
        """Release connections; the runner calls it after each poll."""


class UnknownSource(ConfigError):
    pass


class SourceRegistry:
    """The source plugins installed (entry points), loaded when a configured source uses one."""

    def __init__(self, extra: dict[str, type[InboundSource]] | None = None) -> None:
        self._entry_points: dict[str, EntryPoint] = {ep.name: ep for ep in entry_points(group=GROUP)}
        self._loaded: dict[str, type[InboundSource]] = dict(extra or {})

    def names(self) -> list[str]:
        return sorted(set(self._entry_points) | set(self._loaded))

    def describe(self, name: str) -> str:
        ep = self._entry_points.get(name)
        return ep.value if ep else f"{self._loaded[name].__module__}:{self._loaded[name].__qualname__}"

    def get(self, name: str) -> type[InboundSource]:
        if name not in self._loaded:
            ep = self._entry_points.get(name)
            if ep is None:
                raise UnknownSource(f"no inbound source plugin named {name!r} (known: {', '.join(self.names())})")
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, InboundSource)):
                raise UnknownSource(f"entry point {name!r} ({ep.value}) is not an InboundSource class")
            self._loaded[name] = cls
        return self._loaded[name]

    def build(self, config: SourceConfig, context: ConnectorContext) -> InboundSource:
        return self.get(config.kind)(config, context)
