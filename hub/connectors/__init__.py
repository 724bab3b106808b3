"""Connectors: how the hub talks to a kind of system.

A :class:`Connector` owns the *how* (protocol, message format); a :class:`Destination` is one
configured instance (URL, credentials by reference, policies). Connectors are plugins found
through the entry-point group ``hub.connectors``; the built-ins are registered the same way.
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
