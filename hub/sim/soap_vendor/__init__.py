"""The simulated vendor back office speaking SOAP (the sample Hundesteuer-Fachverfahren WSDL).

:mod:`.app` serves it, :mod:`.envelopes` reads calls and writes answers and faults, :mod:`.state`
holds what it received; :mod:`.descriptor` is its entry in the landscape.
"""

from hub.sim.soap_vendor.app import STATE_KEY, create_soap_vendor_app, vendor_state
from hub.sim.soap_vendor.envelopes import DEFAULT_WSDL, NS, SOAP_ACTION, load_validator
from hub.sim.soap_vendor.state import ReceivedRequest, SoapVendorState

__all__ = [
    "DEFAULT_WSDL",
    "NS",
    "SOAP_ACTION",
    "STATE_KEY",
    "ReceivedRequest",
    "SoapVendorState",
    "create_soap_vendor_app",
    "load_validator",
    "vendor_state",
]
