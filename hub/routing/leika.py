"""The LeiKa keys a region routes: which key, for which area (ARS), through which kind of connector.

Platforms that route by Leistungsschlüssel (FIT-Connect's Routing API: LeiKa key + ARS) must know
the keys the hub will ask for; :func:`routed_keys` lists them from the region's services and
routes, as plain data for the simulators (:class:`hub.sim.registry.Offer`) and for checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.routing.region import Region


@dataclass(frozen=True, order=True)
class RoutedKey:
    ars: str
    leika: str
    connector: str
    """The kind of connector (``hub.connectors`` entry-point name) of a destination the route names."""


def routed_keys(region: Region) -> list[RoutedKey]:
    """Every (ARS, LeiKa key, connector kind) of the region's routes whose service has a key, sorted."""
    found: set[RoutedKey] = set()
    for (service_id, ags), route in region.routes.items():
        leika = region.services[service_id].leika
        if not leika:
            continue
        ars = region.municipalities[ags].ars
        found.update(RoutedKey(ars, leika, region.destinations[d].connector) for d in route.destinations)
    return sorted(found)
