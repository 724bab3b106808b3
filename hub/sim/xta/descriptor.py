"""The XTA 2 server in the landscape: one server stands in for Bauportal.NRW and Gewerbeserviceportal.NRW."""

from __future__ import annotations

from hub.sim.registry import Placement, SimulatorDescriptor, Started, serving
from hub.sim.xta.app import create_xta_app

SCHEMA_SET = "xta2-2.1.1"


def start(placement: Placement) -> Started:
    wsdl = placement.catalog.get(SCHEMA_SET).path("XTA.wsdl")
    return serving(create_xta_app(wsdl), placement, "HUB_BAUPORTAL_XTA_URL", "HUB_GEWERBE_XTA_URL", path="/xta")


DESCRIPTOR = SimulatorDescriptor(
    name="xta", plays=("xoev-xta", "bauportal-nrw", "gewerbe-nrw"), demo_port=8102, start=start
)
