"""Routing as data: municipalities, the service catalogue and the route table of a deployment."""

from hub.routing.leika import RoutedKey, routed_keys
from hub.routing.region import Municipality, Region, Route, Service, load_region
from hub.routing.router import Router

__all__ = ["Municipality", "Region", "Route", "RoutedKey", "Router", "Service", "load_region", "routed_keys"]
