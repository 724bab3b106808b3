"""The ``settings`` of a ``fachverfahren-rest`` destination.

Destination settings::

    url: https://fachverfahren.example/api/vorgaenge
    timeoutSeconds: 10
    auth: {kind: bearer, tokenEnv: VAR[, optional: true]} | {kind: basic, userEnv: VAR, passwordEnv: VAR} | none
    tls: {certFile: client.pem, keyFile: client.key, caFile: ca.pem}     # optional client certificate

Credentials are referenced by environment variable and read at send time, never stored in config
(:mod:`hub.connectors.auth`); ``timeoutSeconds`` and ``tls`` are read by the HTTP connector base.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.connectors.base import Destination
from hub.connectors.settings import SettingsReader

CONNECTOR = "fachverfahren-rest"


@dataclass(frozen=True, slots=True)
class RestSettings:
    url: str

    @classmethod
    def read(cls, destination: Destination) -> RestSettings:
        return cls(url=str(SettingsReader(destination, CONNECTOR).value("url")))
