"""Gewerbeserviceportal.NRW: Gewerbe-An-/Um-/Abmeldungen as XGewerbeanzeige messages over XTA 2 (``gewerbe-nrw``)."""

from connectors.gewerbe_nrw.connector import GewerbeConnector
from connectors.gewerbe_nrw.gewerbeamt import Gewerbeamt
from connectors.gewerbe_nrw.message_type import GewerbemeldungType

__all__ = ["GewerbeConnector", "Gewerbeamt", "GewerbemeldungType"]
