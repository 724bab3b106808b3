"""The settings of a ``gewerbe-nrw`` destination: XGewerbeanzeige's XTA defaults, the message type, the Gewerbeamt.

Defaults, each overridable in ``settings``: the XTA service is the standard's namespace, the payload
schema the message's root namespace; ``businessScenario`` is free text (no XGewerbeanzeige scenario
code list is available offline) and the XTA ``messageType`` code list URI is UNVERIFIED — confirm both
with the receiving platform before production use. The rest is read like any ``xoev-xta``
destination's (:mod:`connectors.xoev.settings`); ``messagePrefix``/``messageCode`` are read by
:class:`~.message_type.GewerbemeldungType`, ``gewerbeamt`` by :class:`~.gewerbeamt.Gewerbeamt`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.gewerbe_nrw.gewerbeamt import Gewerbeamt
from connectors.gewerbe_nrw.message_type import GewerbemeldungType
from hub.errors import ConfigError

STANDARD = "xgewerbeanzeige-2.2"
_VERSION = re.compile(r"^xgewerbeanzeige-(?P<version>\d+\.\d+)$")
MESSAGE_TYPE_LIST = "urn:xoev-de:xgewerbeanzeige:codeliste:nachrichten"  # UNVERIFIED (see the module docstring)


def namespace(standard: str) -> str | None:
    """The XGewerbeanzeige namespace of a standard id (``xgewerbeanzeige-2.2`` → ``.../spezifikation/2.2``)."""
    found = _VERSION.match(standard)
    return f"http://www.xgewerbeanzeige.de/spezifikation/{found['version']}" if found else None


def defaults(standard: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The XTA settings every XGewerbeanzeige destination shares; the message type when the prefix is valid."""
    found: dict[str, Any] = {
        "businessScenario": "XGewerbeanzeige",
        "subject": "Gewerbemeldung {submissionId} (Hub-Nachricht {messageId})",
    }
    version = _VERSION.match(standard)
    if version is not None:
        found["service"] = namespace(standard)
    try:
        kind = GewerbemeldungType.read(settings.get("messagePrefix"), settings.get("messageCode"))
    except ValueError:
        return found  # reported on first use, with the destination's name (see GewerbeSettings.read)
    found["messageType"] = {
        "code": kind.code,
        "listUri": MESSAGE_TYPE_LIST,
        "listVersion": version["version"] if version is not None else "2.2",
        "name": kind.name,
    }
    return found


@dataclass(frozen=True, slots=True)
class GewerbeSettings:
    """What a Gewerbemeldung of this destination says beyond the XTA settings."""

    message_type: GewerbemeldungType
    gewerbeamt: Gewerbeamt
    reader_list: Mapping[str, str]
    """``listUri``/``listVersion`` of the reader's Behördenkennung, where the settings give them."""

    @classmethod
    def read(cls, settings: Mapping[str, Any], fail: Callable[[str], ConfigError]) -> GewerbeSettings:
        try:
            message_type = GewerbemeldungType.read(settings.get("messagePrefix"), settings.get("messageCode"))
        except ValueError as exc:
            raise fail(str(exc)) from None
        try:
            gewerbeamt = Gewerbeamt.read(settings.get("gewerbeamt"))
        except ValueError as exc:
            raise fail(f"setting 'gewerbeamt' {exc}") from None
        raw_reader = settings.get("reader") or {}
        reader_list = {
            key: str(raw_reader[key]) for key in ("listUri", "listVersion") if raw_reader.get(key) is not None
        }
        return cls(message_type, gewerbeamt, reader_list)
