"""The REST back office in the landscape: every town's Fachverfahren behind ``HUB_BACKOFFICE_URL``."""

from __future__ import annotations

from hub.sim.backoffice.app import create_backoffice_app
from hub.sim.registry import Placement, SimulatorDescriptor, Started, serving


def start(placement: Placement) -> Started:
    return serving(create_backoffice_app(), placement, "HUB_BACKOFFICE_URL")


DESCRIPTOR = SimulatorDescriptor(name="backoffice", plays=("fachverfahren-rest",), demo_port=8101, start=start)
