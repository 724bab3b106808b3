"""The SOAP vendor in the landscape: the cities' tax application behind ``HUB_STEUER_SOAP_URL``."""

from __future__ import annotations

from hub.sim.registry import Placement, SimulatorDescriptor, Started, serving
from hub.sim.soap_vendor.app import create_soap_vendor_app


def start(placement: Placement) -> Started:
    return serving(create_soap_vendor_app(), placement, "HUB_STEUER_SOAP_URL")


DESCRIPTOR = SimulatorDescriptor(name="soap", plays=("fachverfahren-soap",), demo_port=8105, start=start)
