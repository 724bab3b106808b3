"""The ``bauportal-nrw`` connector: an ``xoev-xta`` destination with XBau 2.6's transport defaults filled in.

Bauportal.NRW takes building applications as XBau messages over XTA 2. What is the same for every
building authority of the state (the XTA service URI of XBau 2.6, the business scenario, the message
type of ``baugenehmigung.antrag.0200``, the mapping standard ``xbau-2.6``) is set here; a region's
destination names only what differs per authority::

    - id: "{slug}-bauportal"
      connector: bauportal-nrw
      settings:
        baseUrl: https://xta.bauportal.nrw.example/xta
        account: {identifier: "...", name: "..."}             # the hub's XTA account
        author: {prefix: ..., code: ..., name: ...}            # XÖV author Behördenkennung
        reader: {prefix: ..., code: "{ags}", name: "Bauaufsicht {name}"}

Any of the defaults may be overridden in ``settings`` (see :mod:`connectors.xoev.xta_destination`).
The message body is the XBau document the spec ``mappings/bauantrag.xbau-2.6.yaml`` makes; the
building documents travel as XTA attachments named as in the message's ``anlagen``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from connectors.xoev.connector import XtaConnector
from hub.connectors.base import ConnectorContext, Destination

STANDARD = "xbau-2.6"
XBAU_26 = "http://www.xleitstelle.de/xbau/2/6"

DEFAULTS: dict[str, Any] = {
    "service": XBAU_26,
    "payloadSchema": XBAU_26,
    # The XTA business scenario of XBau transmissions as used by the XTA servers of the states (data
    # exchange between authorities); list as published by Dataport for XTA 2.
    "businessScenario": {
        "code": "XBAU_DATA",
        "listUri": "urn:de:dataport:codeliste:business.scenario",
        "listVersion": "1",
    },
    # The XBau message type, as in the message header (code list xbau-nachrichten, version 4.0).
    "messageType": {
        "code": "0200",
        "listUri": "urn:xoev-de:xbau:codeliste:xbau-nachrichten",
        "listVersion": "4.0",
        "name": "baugenehmigung.antrag.0200",
    },
    "subject": "Bauantrag {submissionId} (Hub-Nachricht {messageId})",
}


class BauportalConnector(XtaConnector):
    name = "bauportal-nrw"

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        merged = replace(
            destination,
            settings={**DEFAULTS, **destination.settings},
            standard=destination.standard or STANDARD,
        )
        super().__init__(merged, context)
