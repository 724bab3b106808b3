"""Gewerbeserviceportal.NRW: Gewerbe-An-/Um-/Abmeldungen as XGewerbeanzeige messages over XTA 2 (``gewerbe-nrw``).

:mod:`.connector` (an ``xoev-xta`` connector sending ``gewerbemeldung`` messages), :mod:`.settings`
(XGewerbeanzeige's defaults and what a destination says beyond XTA's settings), :mod:`.message` (the
``hub`` object the specs read), :mod:`.message_type` (which ``gewerbemeldung`` a receiver gets) and
:mod:`.gewerbeamt` (the reporting authority). The XTA simulator is :mod:`hub.sim.xta`.
"""

from connectors.gewerbe_nrw.connector import GewerbeConnector
from connectors.gewerbe_nrw.gewerbeamt import Gewerbeamt
from connectors.gewerbe_nrw.message_type import GewerbemeldungType

__all__ = ["GewerbeConnector", "Gewerbeamt", "GewerbemeldungType"]
