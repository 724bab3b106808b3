"""Simulated counterparts of the hub: systems it delivers to, served over real HTTP.

They exist so that tests, the demo and benchmarks exercise the delivery engine against a
receiver that stores idempotently and fails on command, without any real Fachverfahren.
"""

from hub.sim.backoffice import BackofficeState, ReceivedMessage, create_backoffice_app
from hub.sim.faults import FaultMode, FaultRule
from hub.sim.server import ServerThread, run_backoffice

__all__ = [
    "BackofficeState",
    "FaultMode",
    "FaultRule",
    "ReceivedMessage",
    "ServerThread",
    "create_backoffice_app",
    "run_backoffice",
]
