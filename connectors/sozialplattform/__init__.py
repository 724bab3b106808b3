"""Sozialplattform: social benefit applications (Wohngeld, Hilfe zum Lebensunterhalt) over FIT-Connect."""

from connectors.sozialplattform.connector import SozialplattformConnector

__all__ = ["SozialplattformConnector"]
