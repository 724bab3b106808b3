"""XÖV over XTA 2: the ``xoev-xta`` connector, and the XÖV machinery the connectors of XÖV targets share.

Modules, one role each: :mod:`.connector` (the :class:`XtaConnector`: build and send),
:mod:`.settings` (an XTA destination's settings), :mod:`.message` (the stored message and its OSCI
metadata), :mod:`.frame` (the XÖV header every message carries), :mod:`.pending` (sends awaiting
their transport report) and :mod:`.xta` (the XTA 2 client: zeep on the official WSDL). The XTA
simulator is :mod:`hub.sim.xta`. ``bauportal-nrw``, ``gewerbe-nrw`` and ``fachverfahren-xdomea``
(over XTA) are :class:`XtaConnector` subclasses with their standard's defaults.

``XtaConnector`` is imported on first access, so a package that only needs the frame (xdomea over
HTTP) does not load zeep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.xoev.connector import XtaConnector


def __getattr__(name: str) -> Any:
    if name == "XtaConnector":
        from connectors.xoev.connector import XtaConnector

        return XtaConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["XtaConnector"]
