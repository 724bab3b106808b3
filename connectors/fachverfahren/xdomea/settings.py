"""The settings of a ``fachverfahren-xdomea`` destination, read and checked.

Every destination::

    transport: http | xta            # how the message travels (required)
    formatCodes: {"application/pdf": "..."}   # optional: MIME type -> xdomea Dateiformat code the DMS expects
    ablageort: "Aktenplan 123.45"    # optional: SchriftgutobjektZumAblegen/Ablageort, where the DMS files it

``transport: http`` (the xdomea ZIP container POSTed to the DMS)::

    url: https://dms.example/xdomea/eingang
    author: {prefix: psw, code: "05562014", name: "Serviceportal Gladbeck"}   # Kopf/Absender
    reader: {prefix: dms, code: "05562014", name: "DMS Stadt Gladbeck"}       # Kopf/Empfaenger
    auth: {kind: bearer, tokenEnv: VAR} | {kind: basic, userEnv: VAR, passwordEnv: VAR}   # optional
    tls: {certFile, keyFile, caFile}  # optional client certificate
    timeoutSeconds: 30

``transport: xta``: the settings of an ``xoev-xta`` destination (:mod:`connectors.xoev.settings`:
``baseUrl``, ``account``, ``reader``, ``author``, ...); the xdomea defaults of
:mod:`connectors.fachverfahren.xdomea.xta` fill in the XTA service, business scenario and message type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from connectors.xoev.frame import Authority
from hub.connectors.base import Destination
from hub.connectors.settings import SettingsReader
from hub.errors import ConfigError

CONNECTOR = "fachverfahren-xdomea"


class Transport(StrEnum):
    HTTP = "http"
    XTA = "xta"


@dataclass(frozen=True, slots=True)
class XdomeaOptions:
    """What both transports read: how files are described and where the DMS should file the Vorgang."""

    format_codes: Mapping[str, str]
    ablageort: str | None


def _reader(destination: Destination) -> SettingsReader:
    return SettingsReader(destination, CONNECTOR)


def fail(destination: Destination, what: str) -> ConfigError:
    return _reader(destination).fail(what)


def transport(destination: Destination) -> Transport:
    raw = destination.settings.get("transport")
    try:
        return Transport(str(raw))
    except ValueError:
        known = " or ".join(repr(t.value) for t in Transport)
        raise fail(destination, f"setting 'transport' must be {known}, not {raw!r}") from None


def options(destination: Destination) -> XdomeaOptions:
    codes = destination.settings.get("formatCodes") or {}
    if not isinstance(codes, Mapping) or not all(isinstance(v, str | int) for v in codes.values()):
        raise fail(destination, "setting 'formatCodes' must map MIME types to Dateiformat codes")
    ablageort = _reader(destination).optional_text("ablageort")
    return XdomeaOptions({str(k): str(v) for k, v in codes.items()}, ablageort)


def authority(destination: Destination, name: str) -> Authority:
    try:
        return Authority.read(destination.settings.get(name))
    except ValueError as exc:
        raise fail(destination, f"setting {name!r} {exc}") from None


def url(destination: Destination) -> str:
    raw = destination.settings.get("url")
    if not isinstance(raw, str) or not raw.startswith(("http://", "https://")):
        raise fail(destination, f"setting 'url' must be an http(s) URL, not {raw!r}")
    return raw
