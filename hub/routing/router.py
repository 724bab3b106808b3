"""(service, municipality) -> destinations, with errors that name the envelope's field."""

from __future__ import annotations

from hub.connectors.base import Destination
from hub.errors import RoutingError
from hub.routing.region import Region, Service


class Router:
    def __init__(self, region: Region) -> None:
        self.region = region

    def service(self, service_id: str) -> Service:
        try:
            return self.region.services[service_id]
        except KeyError:
            raise RoutingError(f"unknown service {service_id!r}", "/service") from None

    def destinations(self, service_id: str, ags: str) -> list[Destination]:
        self.service(service_id)
        if ags not in self.region.municipalities:
            raise RoutingError(f"unknown municipality {ags!r} (not part of {self.region.name})", "/municipality")
        route = self.region.routes.get((service_id, ags))
        if route is None or not route.destinations:
            name = self.region.municipalities[ags].name
            raise RoutingError(f"{name} does not offer service {service_id!r} through this hub", "/service")
        return [self.region.destinations[d] for d in route.destinations]
