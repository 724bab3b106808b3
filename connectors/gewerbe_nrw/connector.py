"""The ``gewerbe-nrw`` connector: an ``xoev-xta`` destination sending XGewerbeanzeige ``gewerbemeldung`` messages.

Gewerbeserviceportal.NRW forwards Gewerbe-An-, -Um- and -Abmeldungen as XGewerbeanzeige messages over
XTA 2. A region's destination names the receiver, its message prefix and the reporting Gewerbeamt::

    - id: "{slug}-gewerbe"
      connector: gewerbe-nrw
      standard: xgewerbeanzeige-2.2                # default; xgewerbeanzeige-2.1 for older receivers
      settings:
        baseUrl: https://xta.gewerbe.nrw.example/xta
        account: {identifier: "...", name: "..."}     # the hub's XTA account
        reader: {prefix: xga, code: "...", name: "...", listUri: "...", listVersion: "..."}
        messagePrefix: sta                           # sta.gewerbemeldung.0100; messageCode for unknown ones
        gewerbeamt: {prefix: MELDID, code: "{ags}", name: "Gewerbeamt {name}", contacts: [...], address: {...}}

The prefix decides the message's root element (``sta.gewerbemeldung.0100``), its ``nachrichtentyp``
and the XTA message type (:mod:`connectors.gewerbe_nrw.message_type`); the record is the same for all
receivers. The message is the spec ``mappings/gewerbe-<kind>.<standard>.yaml`` applied to the envelope
plus the ``hub`` object (its contract is in the specs' headers). Without an installed XGewerbeanzeige
schema set the specs build in spec order, unvalidated (see :mod:`hub.mapping.xml.unbound`); with one,
every message is validated against it at intake.

Defaults, each overridable in ``settings``: the XTA service is the standard's namespace, the payload
schema the message's root namespace; ``businessScenario`` is free text (no XGewerbeanzeige scenario
code list is available offline) and the XTA ``messageType`` code list URI is UNVERIFIED — confirm both
with the receiving platform before production use.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from typing import Any

from connectors.gewerbe_nrw.gewerbeamt import Gewerbeamt
from connectors.gewerbe_nrw.message_type import GewerbemeldungType
from connectors.xoev.connector import XtaConnector
from connectors.xoev.frame import with_frame
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.mapping.xml import XmlMappingSpec

STANDARD = "xgewerbeanzeige-2.2"
_VERSION = re.compile(r"^xgewerbeanzeige-(?P<version>\d+\.\d+)$")
MESSAGE_TYPE_LIST = "urn:xoev-de:xgewerbeanzeige:codeliste:nachrichten"  # UNVERIFIED (see the module docstring)


def namespace(standard: str) -> str | None:
    """The XGewerbeanzeige namespace of a standard id (``xgewerbeanzeige-2.2`` → ``.../spezifikation/2.2``)."""
    found = _VERSION.match(standard)
    return f"http://www.xgewerbeanzeige.de/spezifikation/{found['version']}" if found else None


def defaults(standard: str, settings: dict[str, Any]) -> dict[str, Any]:
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
        return found  # reported on first use, with the destination's name (see GewerbeConnector.message_type)
    found["messageType"] = {
        "code": kind.code,
        "listUri": MESSAGE_TYPE_LIST,
        "listVersion": version["version"] if version is not None else "2.2",
        "name": kind.name,
    }
    return found


class GewerbeConnector(XtaConnector):
    name = "gewerbe-nrw"

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        standard = destination.standard or STANDARD
        settings = dict(destination.settings)
        merged = replace(destination, settings={**defaults(standard, settings), **settings}, standard=standard)
        super().__init__(merged, context)
        self._gewerbe_lock = threading.Lock()
        self._message_type: GewerbemeldungType | None = None
        self._gewerbeamt: Gewerbeamt | None = None

    @property
    def message_type(self) -> GewerbemeldungType:
        with self._gewerbe_lock:
            if self._message_type is None:
                settings = self.destination.settings
                try:
                    self._message_type = GewerbemeldungType.read(
                        settings.get("messagePrefix"), settings.get("messageCode")
                    )
                except ValueError as exc:
                    raise self._fail(str(exc)) from None
            return self._message_type

    @property
    def gewerbeamt(self) -> Gewerbeamt:
        with self._gewerbe_lock:
            if self._gewerbeamt is None:
                try:
                    self._gewerbeamt = Gewerbeamt.read(self.destination.settings.get("gewerbeamt"))
                except ValueError as exc:
                    raise self._fail(f"setting 'gewerbeamt' {exc}") from None
            return self._gewerbeamt

    def document_root(self, spec: XmlMappingSpec) -> str:
        """The destination's message name, with the spec's prefix for the XGewerbeanzeige namespace."""
        prefix, _, _ = spec.root.rpartition(":")
        return f"{prefix}:{self.message_type.name}" if prefix else self.message_type.name

    def _build_from_spec(self, submission: SubmissionData, message_id: str, destination: Destination) -> bytes:
        config = self.config
        if config.xoev_reader is None:
            raise self._fail("needs 'reader' as Behördenkennung {prefix, code, name} for the message header")
        document = self.document_builder(submission.service)
        reader: dict[str, Any] = config.xoev_reader.as_dict()
        raw_reader = self.destination.settings.get("reader") or {}
        for key in ("listUri", "listVersion"):
            if raw_reader.get(key) is not None:
                reader[key] = str(raw_reader[key])
        frame = {
            "messageId": message_id,
            "submissionId": submission.id,
            "createdAt": submission.received_at.isoformat(timespec="seconds"),
            "messageType": self.message_type.as_dict(),
            "reader": reader,
            "gewerbeamt": self.gewerbeamt.as_dict(),
        }
        return document.build(with_frame(submission, frame))
