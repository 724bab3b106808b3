"""The simulated XTA 2 server (version 2.1.1, SOAP 1.2) behind Bauportal.NRW and Gewerbeserviceportal.NRW.

:mod:`.app` serves the WSDL's three ports, :mod:`.operations` answers each operation, :mod:`.soap`
reads and writes envelopes, :mod:`.schema` validates against the official schemas, :mod:`.state`
holds message boxes, transport reports and fault rules; :mod:`.descriptor` is its entry in the
landscape.
"""

from hub.sim.xta.app import STATE_KEY, create_xta_app, port_url

__all__ = ["STATE_KEY", "create_xta_app", "port_url"]
