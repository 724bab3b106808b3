"""The DMS in the landscape: the towns' e-file systems (xdomea) behind ``HUB_DMS_URL``."""

from __future__ import annotations

from hub.sim.dms.app import create_dms_app
from hub.sim.dms.container import SCHEMA_SET
from hub.sim.registry import Placement, SimulatorDescriptor, Started, serving


def start(placement: Placement) -> Started:
    placement.catalog.get(SCHEMA_SET)  # SchemaNotInstalled: skipped, not started half-way
    return serving(create_dms_app(placement.catalog), placement, "HUB_DMS_URL")


DESCRIPTOR = SimulatorDescriptor(name="dms", plays=("fachverfahren-xdomea",), demo_port=8103, start=start)
