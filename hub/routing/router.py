"""(service, municipality) -> destinations, with errors that name the envelope's field."""

from __future__ import annotations

from hub.connectors.base import Destination
from hub.errors import RoutingError
from hub.routing.generic_path import leika_of
from hub.routing.region import Region, Service


class Router:
    def __init__(self, region: Region) -> None:
        self.region = region
        # One Service per catalogued key, made on first use: at most the catalogue's size.
        self._catalogued: dict[str, Service] = {}

    def service(self, service_id: str) -> Service:
        """The region's own service, else the catalogued one the generic path serves (``leika-<key>``)."""
        own = self.region.services.get(service_id)
        if own is not None:
            return own
        known = self._catalogued.get(service_id)
        if known is not None:
            return known
        generic = self.region.generic
        if generic is None or leika_of(service_id) is None:
            raise RoutingError(f"unknown service {service_id!r}", "/service")
        entry = generic.entry(service_id)
        made = self._catalogued[service_id] = Service(
            id=service_id,
            name=entry.name,
            form=generic.form,
            leika=entry.leika,
            checks=generic.checks,
            attachment_types=generic.attachment_types,
        )
        return made

    def destinations(self, service_id: str, ags: str) -> list[Destination]:
        self.service(service_id)
        if ags not in self.region.municipalities:
            raise RoutingError(f"unknown municipality {ags!r} (not part of {self.region.name})", "/municipality")
        route = self.region.routes.get((service_id, ags))
        ids = route.destinations if route is not None else self._generic_destinations(service_id, ags)
        if not ids:
            name = self.region.municipalities[ags].name
            raise RoutingError(f"{name} does not offer service {service_id!r} through this hub", "/service")
        return [self.region.destinations[d] for d in ids]

    def _generic_destinations(self, service_id: str, ags: str) -> tuple[str, ...]:
        generic = self.region.generic
        if generic is None or service_id in self.region.services:
            return ()
        service = self.service(service_id)  # cached: the key is known and not overridden
        assert service.leika is not None
        return generic.offered(ags, generic.catalogue.entries[service.leika])
