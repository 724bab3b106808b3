"""Which simulators exist: descriptors registered under the entry-point group ``hub.simulators``.

Each simulator package names one :class:`SimulatorDescriptor` in ``pyproject.toml``::

    [project.entry-points."hub.simulators"]
    backoffice = "hub.sim.backoffice.descriptor:DESCRIPTOR"

A descriptor says which connector kinds the simulator stands in for (the names of the
``hub.connectors`` entry points), which port it takes in the demo, and how to start it as a real
server: ``start(placement)`` gets a :class:`Placement` (port, schema catalog, the landscape's
shared secret, a folder of its own, the region's municipalities and what they offer as plain data) and returns what is
:class:`Started`: the running server and the environment variables that point the region's
destinations at it (an HTTP simulator gets it from :func:`serving`). :mod:`hub.sim.landscape`
starts every simulator :func:`discover` finds, so another installed package adds one to
``hub demo`` and the catalogue test by declaring an entry point of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from starlette.types import ASGIApp

from hub.schemas import SchemaCatalog
from hub.sim.kit.server import ServerThread

GROUP = "hub.simulators"


class Municipality(Protocol):
    """What a simulator needs to know of a municipality of the region (a routing ``Municipality`` fits)."""

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def ars(self) -> str: ...


class Offer(Protocol):
    """A service a body routes through a kind of connector, as a routing platform's simulator needs it
    (plain data from the region's routes, e.g. :class:`hub.routing.RoutedKey`): FIT-Connect's Routing
    API answers by LeiKa key and ARS, so its simulator must know which keys each area routes."""

    @property
    def ars(self) -> str: ...

    @property
    def leika(self) -> str: ...

    @property
    def connector(self) -> str: ...


class RunningServer(Protocol):
    """A simulator serving on loopback: where it listens, and how to end it (idempotently)."""

    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Placement:
    """Where and with what a simulator is started."""

    port: int
    """0 for a free port."""
    catalog: SchemaCatalog
    secret: str
    """The landscape's one secret: a simulator's password and the destinations' credential alike."""
    work: Path
    """A folder of the simulator's own, removed when the landscape stops."""
    municipalities: tuple[Municipality, ...] = ()
    offers: tuple[Offer, ...] = ()
    """What the region routes: (ARS, LeiKa key, connector kind) of every route of a service with a key."""


@dataclass(frozen=True)
class Started:
    """A simulator that runs, and the variables that point the region's destinations at it."""

    server: RunningServer
    environment: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    """Where to look at what it received (printed by ``hub demo``)."""


class SimulatorUnavailable(Exception):
    """The simulator cannot run here (e.g. a schema set it needs is not installed): it is skipped."""


@dataclass(frozen=True)
class SimulatorDescriptor:
    """A simulator's entry in the landscape.

    ``start`` may raise :class:`SimulatorUnavailable`, or :class:`~hub.schemas.SchemaNotInstalled`
    (which means the same): the landscape then skips it and says why.
    """

    name: str
    plays: tuple[str, ...]
    """The connector kinds (``hub.connectors`` entry-point names) whose destinations it receives for."""
    demo_port: int
    start: Callable[[Placement], Started]


def serving(app: ASGIApp, placement: Placement, *variables: str, path: str = "") -> Started:
    """An HTTP simulator served on the placement's port, each of ``variables`` pointing at its URL + ``path``."""
    server = ServerThread(app, port=placement.port).start()
    return Started(
        server,
        dict.fromkeys(variables, server.url + path),
        note=f"received messages: {server.url}/_sim/messages",
    )


class InvalidSimulator(TypeError):
    """An entry point of ``hub.simulators`` that names something other than its descriptor."""


def discover(extra: Iterable[SimulatorDescriptor] = ()) -> dict[str, SimulatorDescriptor]:
    """Every installed simulator by name (plus ``extra``), in name order."""
    found: dict[str, SimulatorDescriptor] = {}
    for ep in entry_points(group=GROUP):
        descriptor = ep.load()
        if not isinstance(descriptor, SimulatorDescriptor) or descriptor.name != ep.name:
            raise InvalidSimulator(
                f"entry point {ep.name!r} of {GROUP} ({ep.value}) must name a SimulatorDescriptor called {ep.name!r}"
            )
        found[ep.name] = descriptor
    for descriptor in extra:
        found[descriptor.name] = descriptor
    return dict(sorted(found.items()))


__all__ = [
    "GROUP",
    "InvalidSimulator",
    "Municipality",
    "Offer",
    "Placement",
    "RunningServer",
    "SimulatorDescriptor",
    "SimulatorUnavailable",
    "Started",
    "discover",
    "serving",
]
