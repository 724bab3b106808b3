"""Bauportal.NRW: building applications as XBau 2.6 messages over XTA 2 (connector ``bauportal-nrw``)."""

from connectors.bauportal_nrw.connector import BauportalConnector

__all__ = ["BauportalConnector"]
