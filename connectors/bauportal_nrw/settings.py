"""The settings every ``bauportal-nrw`` destination shares: XBau 2.6's transport defaults on Bauportal.NRW.

What is the same for every building authority of the state (the XTA service URI of XBau 2.6, the
business scenario, the message type of ``baugenehmigung.antrag.0200``, the mapping standard
``xbau-2.6``) is set here; each may be overridden in a destination's ``settings``, read like any
``xoev-xta`` destination's (:mod:`connectors.xoev.settings`).
"""

from __future__ import annotations

from typing import Any

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
