"""Bauportal.NRW: building applications as XBau 2.6 messages over XTA 2 (connector ``bauportal-nrw``).

:mod:`.connector` (an ``xoev-xta`` connector with XBau's defaults), :mod:`.settings` (those defaults).
The message is the spec ``mappings/bauantrag.xbau-2.6.yaml``'s (built like every XÖV message, by
:mod:`connectors.xoev`); the XTA simulator is :mod:`hub.sim.xta`.
"""

from connectors.bauportal_nrw.connector import BauportalConnector

__all__ = ["BauportalConnector"]
