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
schema set the specs build in spec order, unvalidated (see :mod:`hub.connectors.xml_target`); with one,
every message is validated against it at intake.

Defaults and the settings beyond XTA's: :mod:`.settings`; the ``hub`` object the specs read: :mod:`.message`.
"""

from __future__ import annotations

from dataclasses import replace

from connectors.gewerbe_nrw.message import gewerbe_frame
from connectors.gewerbe_nrw.settings import STANDARD, GewerbeSettings, defaults
from connectors.xoev.connector import XtaConnector
from connectors.xoev.frame import with_frame
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.mapping import XmlMappingSpec


class GewerbeConnector(XtaConnector):
    name = "gewerbe-nrw"
    default_standard = STANDARD

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self._gewerbe = FirstUse(lambda: GewerbeSettings.read(self.destination.settings, self._fail))

    @classmethod
    def with_defaults(cls, destination: Destination) -> Destination:
        """The XGewerbeanzeige defaults depend on the standard and the message prefix (:func:`~.settings.defaults`)."""
        standard = destination.standard or STANDARD
        settings = dict(destination.settings)
        return replace(destination, settings={**defaults(standard, settings), **settings}, standard=standard)

    @property
    def gewerbe(self) -> GewerbeSettings:
        return self._gewerbe.get()

    def document_root(self, spec: XmlMappingSpec) -> str:
        """The destination's message name, with the spec's prefix for the XGewerbeanzeige namespace."""
        prefix, _, _ = spec.root.rpartition(":")
        name = self.gewerbe.message_type.name
        return f"{prefix}:{name}" if prefix else name

    def _build_from_spec(self, submission: SubmissionData, message_id: str, destination: Destination) -> bytes:
        config = self.config
        if config.xoev_reader is None:
            raise self._fail("needs 'reader' as Behördenkennung {prefix, code, name} for the message header")
        document = self.document_builder(submission.service)
        frame = gewerbe_frame(submission, message_id, config.xoev_reader, self.gewerbe)
        return document.build(with_frame(submission, frame))
