"""Shared pieces of the inbound tests: the accounts, the KoSIT sample as a fresh message, sending it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from connectors.xoev.xta import KeyCode, Party, XtaClient, XtaContent, XtaMetadata
from tests.xta.gewerbe_support import SAMPLES
from tests.xta.xta_support import WSDL

SOURCE_ID = "gladbeck-gewerbeamt-xta"
GEWERBEAMT = Party("dvdv:05562014-gewerbeamt", "xoev", name="Gewerbeamt Gladbeck")
PORTAL = Party("gwa:05000000", "xoev", name="Gewerbeserviceportal.NRW")
SAMPLE_UUID = "00000000-0000-0000-0000-000000000001"
MAX_MESSAGE_BYTES = 200_000
DESTINATION = "gladbeck-gewerbe"
BACKOFFICE = "gfv:05562014"
"""The Gewerbe back office's XTA identifier (the reader of what the hub delivers)."""


def inbound_section(xta_url: str) -> list[dict[str, Any]]:
    return [
        {
            "id": SOURCE_ID,
            "name": "XTA-Postfach Gewerbeamt Gladbeck",
            "source": "xta-msgbox",
            "municipality": "05562014",
            "accepts": ["xgewerbeanzeige"],
            "destinations": [DESTINATION],
            "maxMessageBytes": MAX_MESSAGE_BYTES,
            "settings": {
                "baseUrl": f"{xta_url}/xta",
                "wsdl": str(WSDL),
                "account": {"identifier": GEWERBEAMT.identifier, "name": GEWERBEAMT.name},
                "timeoutSeconds": 5,
            },
        }
    ]


def gewerbe_template(xta_url: str) -> dict[str, Any]:
    """``{slug}-gewerbe``: the town's Gewerbe back office, taking XGewerbeanzeige over XTA 2."""
    return {
        "id": "{slug}-gewerbe",
        "name": "Gewerbe-Fachverfahren {name}",
        "connector": "gewerbe-nrw",
        "standard": "xgewerbeanzeige-2.2",
        "settings": {
            "baseUrl": f"{xta_url}/xta",
            "wsdl": str(WSDL),
            "account": {"identifier": "dvdv:05562000-integrationshub", "name": "Integrationshub Emscher-Lippe"},
            "reader": {"prefix": "gfv", "code": "{ags}", "name": "Gewerbe-Fachverfahren {name}"},
            "messagePrefix": "abh",
            "gewerbeamt": {"prefix": "MELDID", "code": "{ags}", "name": "Gewerbeamt {name}"},
            "timeoutSeconds": 5,
        },
        "retry": {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 1, "jitter": 0, "maxAttempts": 5},
        "concurrency": 4,
        "circuit": {"failureThreshold": 50, "openSeconds": 1},
    }


def sample(message_uuid: str | None = None) -> bytes:
    """The KoSIT XGewerbeanzeige 2.2 sample (a Gewerbeanmeldung), with another nachrichtenUUID if given."""
    data = (SAMPLES / "xgwa2.2-valid.xml").read_bytes()
    return data.replace(SAMPLE_UUID.encode(), message_uuid.encode()) if message_uuid else data


def fresh_sample() -> bytes:
    return sample(str(uuid.uuid4()))


def metadata() -> XtaMetadata:
    return XtaMetadata(
        author=PORTAL,
        reader=GEWERBEAMT,
        service="http://www.xgewerbeanzeige.de/spezifikation/2.2",
        business_scenario="XGEWERBEANZEIGE_DATA",
        message_type=KeyCode("abh.gewerbemeldung.0500", "urn:xoev-de:xgewerbeanzeige:codeliste:nachrichten", "2.2"),
        payload_schema="http://www.xgewerbeanzeige.de/spezifikation/2.2",
        subject="Gewerbeanmeldung",
    )


def put(portal: XtaClient, message: bytes, attachments: tuple[XtaContent, ...] = ()) -> str:
    """Send ``message`` into the Gewerbeamt's box; its XTA message id."""
    receipt = portal.send_and_confirm(message, metadata(), list(attachments))
    message_id: str = receipt["messageId"]
    return message_id


def closed(sim: httpx.Client, message_id: str) -> bool:
    answer = sim.get(f"/_sim/messages/{message_id}")
    answer.raise_for_status()
    return bool(answer.json()["closed"])
