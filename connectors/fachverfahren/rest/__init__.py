"""Back-office REST/JSON (``fachverfahren-rest``): the mapped application as one JSON document, POSTed.

:mod:`.connector` (build and send), :mod:`.settings` (the destination's settings), :mod:`.message`
(the JSON document). The REST back-office simulator is :mod:`hub.sim.backoffice`.
"""

from connectors.fachverfahren.rest.connector import RestConnector

__all__ = ["RestConnector"]
