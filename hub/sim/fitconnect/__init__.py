"""The simulated FIT-Connect platform: token endpoint, Routing API, Submission API, signed event logs.

:mod:`.app` serves it, :mod:`.state` holds clients, destinations, submissions and event logs,
:mod:`.pki` makes its keys and certificates; :mod:`.descriptor` is its entry in the landscape.
"""

from hub.sim.fitconnect.app import FitConnectSimulator
from hub.sim.fitconnect.state import Decision, FitConnectState, SimDestination, SimSubmission

__all__ = ["Decision", "FitConnectSimulator", "FitConnectState", "SimDestination", "SimSubmission"]
