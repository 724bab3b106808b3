"""The simulated REST/JSON back office (Fachverfahren): :mod:`.app` serves it, :mod:`.state` holds what it received.

:mod:`.descriptor` is its entry in the landscape (entry-point group ``hub.simulators``).
"""

from hub.sim.backoffice.app import STATE_KEY, create_backoffice_app, run_backoffice
from hub.sim.backoffice.state import BackofficeState, ReceivedMessage

__all__ = ["STATE_KEY", "BackofficeState", "ReceivedMessage", "create_backoffice_app", "run_backoffice"]
