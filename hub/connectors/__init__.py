"""Connectors: how the hub talks to a kind of system.

A :class:`Connector` owns the *how* (protocol, message format); a :class:`Destination` is one
configured instance (URL, credentials by reference, policies). Connectors are plugins found
through the entry-point group ``hub.connectors``; the built-ins are registered the same way.

This package is the connector SDK: what a connector package may use of the hub (besides
``hub.domain``, ``hub.xml`` and ``hub.errors``). :mod:`.base` (the seam), :mod:`.http_connector` and
:mod:`.http` (HTTP delivery), :mod:`.settings` (reading a destination's settings), :mod:`.auth`
(credentials), :mod:`.first_use` and :mod:`.lending` (what a connector shares between threads),
:mod:`.mapping`, :mod:`.xml_target` and :mod:`.schemas` (mapping and validating), :mod:`.product`,
and :mod:`.deadline` (an attempt's deadline). ``docs/connectors.md`` walks through it.
"""

from hub.connectors.base import Connector, ConnectorContext, Destination, SubmissionData
from hub.connectors.registry import ConnectorRegistry, UnknownConnector

__all__ = [
    "Connector",
    "ConnectorContext",
    "ConnectorRegistry",
    "Destination",
    "SubmissionData",
    "UnknownConnector",
]
