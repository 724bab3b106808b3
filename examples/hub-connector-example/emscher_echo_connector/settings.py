"""The settings of an ``echo-json`` destination.

Destination settings (region.yaml)::

    connector: echo-json
    settings:
      url: https://stadtwerke.example/api/antraege    # where to POST
      timeoutSeconds: 10                              # per request (default 10; read by the hub's HTTP base)
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.connectors.base import Destination
from hub.connectors.settings import SettingsReader

CONNECTOR = "echo-json"


@dataclass(frozen=True, slots=True)
class EchoSettings:
    url: str

    @classmethod
    def read(cls, destination: Destination) -> EchoSettings:
        reader = SettingsReader(destination, CONNECTOR)
        url = reader.text("url")
        if not url.startswith(("http://", "https://")):
            raise reader.fail("setting 'url' must be an http(s) URL")
        return cls(url)
