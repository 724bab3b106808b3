"""Sozialplattform: social benefit applications (Wohngeld, Hilfe zum Lebensunterhalt) over FIT-Connect.

:mod:`.connector` (``sozialplattform``: build, send, the platform's later decision), :mod:`.settings`
(the destination's settings), :mod:`.message` (the parcel stored at intake). The FIT-Connect client
it sends with is :mod:`connectors.fitconnect`; the simulator is :mod:`hub.sim.fitconnect`.
"""

from connectors.sozialplattform.connector import SozialplattformConnector

__all__ = ["SozialplattformConnector"]
