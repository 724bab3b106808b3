"""The simulated municipal DMS receiving xdomea 3.1.0 containers over HTTP.

:mod:`.app` serves it, :mod:`.container` unpacks and checks a container, :mod:`.state` holds what
it filed; :mod:`.descriptor` is its entry in the landscape.
"""

from hub.sim.dms.app import STATE_KEY, create_dms_app
from hub.sim.dms.state import DmsState, FiledMessage

__all__ = ["STATE_KEY", "DmsState", "FiledMessage", "create_dms_app"]
