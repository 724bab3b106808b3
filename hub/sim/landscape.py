"""The region's whole target landscape as simulators on loopback: what ``hub demo`` and the catalogue test run.

The landscape starts every simulator it finds through the entry-point group ``hub.simulators``
(:mod:`hub.sim.registry`) — today the towns' REST back offices, their DMS (xdomea), the cities'
SOAP tax application, the utilities' SFTP drop, the XTA 2 server behind Bauportal.NRW and
Gewerbeserviceportal.NRW, and FIT-Connect behind the Sozialplattform — and collects the environment
variables that point the region's destinations at them (``HUB_BACKOFFICE_URL``, ``HUB_DMS_URL``,
...). Ports are fixed for the demo (:func:`demo_ports`, so the README's URLs work) or free ones (0)
for tests. The caller says which municipalities the region has and which LeiKa keys it routes for
each (``offers``, from :func:`hub.routing.routed_keys`), as plain data: the simulators know
nothing of routing.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from hub.schemas import SchemaCatalog, SchemaNotInstalled
from hub.sim.registry import (
    Municipality,
    Offer,
    Placement,
    RunningServer,
    SimulatorDescriptor,
    SimulatorUnavailable,
    Started,
    discover,
)


def demo_ports(overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """Each found simulator's demo port, with ``overrides`` (by simulator name) taking precedence."""
    return {name: descriptor.demo_port for name, descriptor in discover().items()} | dict(overrides or {})


@dataclass
class Landscape:
    """Simulators of the region's receivers; ``environment()`` wires the region's destinations to them."""

    catalog: SchemaCatalog
    municipalities: Iterable[Municipality] = ()
    ports: Mapping[str, int] = field(default_factory=dict)
    """Port per simulator name; a simulator not named here gets a free one."""
    simulators: Mapping[str, SimulatorDescriptor] | None = None
    """Which to start; by default every one :func:`~hub.sim.registry.discover` finds (set by ``start``)."""
    offers: Iterable[Offer] = ()
    """The region's routed LeiKa keys per area (:func:`hub.routing.routed_keys`): what FIT-Connect's routing knows."""
    started: dict[str, Started] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Simulators not started, with the reason (e.g. a schema set they need is not installed)."""
    _secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def servers(self) -> dict[str, RunningServer]:
        """The running simulators by name (``servers["xta"].url``)."""
        return {name: started.server for name, started in self.started.items()}

    def start(self) -> Landscape:
        found = self.simulators = discover() if self.simulators is None else dict(self.simulators)
        self._tmp = tempfile.TemporaryDirectory(prefix="hub-landscape-")
        members = tuple(self.municipalities)
        offers = tuple(self.offers)
        try:
            for name, descriptor in found.items():
                work = Path(self._tmp.name) / name
                work.mkdir()
                placement = Placement(self.ports.get(name, 0), self.catalog, self._secret, work, members, offers)
                try:
                    self.started[name] = descriptor.start(placement)
                except (SimulatorUnavailable, SchemaNotInstalled) as exc:
                    self.skipped[name] = str(exc)
        except BaseException:
            self.stop()
            raise
        return self

    def environment(self) -> dict[str, str]:
        """The variables the demo region reads to find each receiver."""
        env: dict[str, str] = {}
        for started in self.started.values():
            env |= started.environment
        return env

    def stop(self) -> None:
        for started in self.started.values():
            started.server.stop()
        self.started.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Landscape:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
