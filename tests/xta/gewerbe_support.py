"""Shared pieces of the Gewerbe tests: the KoSIT samples, their postings, a gewerbe-nrw connector, canonical records.

The KoSIT test messages (``../shared/standards/xgewerbeanzeige-samples``) are the reference: a
posting in ``fixtures/gewerbe/`` describes one KoSIT test case as a portal would send it, and the
destination below describes the sample's Gewerbeamt Cottbus and its receiver.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from connectors.gewerbe_nrw import GewerbeConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.mapping.catalog import MappingCatalog
from hub.schemas import SchemaCatalog
from hub.xml import parse_xml

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"
SAMPLES = STANDARDS / "xgewerbeanzeige-samples"
POSTINGS = Path(__file__).parent / "fixtures" / "gewerbe"
XGA = "http://www.xgewerbeanzeige.de/spezifikation/{}"

GEWERBEAMT_COTTBUS: dict[str, Any] = {
    "prefix": "MELDID",
    "code": "12052000",
    "name": "Gewerbeamt Cottbus",
    "contacts": [
        {"channel": "email", "value": "miriam.musterfrau@cottbus.de"},
        {"channel": "phone", "value": "0355 - 6122840"},
    ],
    "address": {"street": "Karl-Marx-Str.", "houseNumber": "67", "postalCode": "03044", "city": "Cottbus"},
}

# Elements of a record that are not the application's data but this message's own: left out when
# records are compared. satzErstellung and ereigniszeitpunkt are the hub's receipt time, uuid is the
# hub's message id (a new one per message), and an Anmeldung's gewerbebetriebID is the id the hub gives
# the new business (its submission id). Every other element and attribute must be equal, in order:
# the Um- and Abmeldung's gewerbebetriebID comes from the form and is compared.
MESSAGE_OWN = ("satzErstellung", "ereigniszeitpunkt", "uuid")
NEW_BUSINESS_ID = "gewerbebetriebID"


def posting(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((POSTINGS / name).read_text(encoding="utf-8"))
    return loaded


def sample(name: str) -> Any:
    return parse_xml((SAMPLES / name).read_bytes())


def connector(
    standard: str, prefix: str, reader: dict[str, Any], url: str = "http://127.0.0.1:9/xta"
) -> GewerbeConnector:
    """A gewerbe-nrw connector for the sample's Gewerbeamt, on the project's specs and the shared standards."""
    destination = Destination(
        id="cottbus-gewerbe",
        name="Gewerbeamt Cottbus",
        connector="gewerbe-nrw",
        standard=standard,
        settings={
            "baseUrl": url,
            "account": {"identifier": "dvdv:12052000-gewerbeamt", "name": "Gewerbeamt Cottbus"},
            "reader": reader,
            "messagePrefix": prefix,
            "gewerbeamt": GEWERBEAMT_COTTBUS,
        },
    )
    context = ConnectorContext(
        mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"), schemas=SchemaCatalog.from_path(str(STANDARDS))
    )
    return GewerbeConnector(destination, context)


def build(gewerbe: GewerbeConnector, envelope: dict[str, Any]) -> Any:
    """The message the connector makes at intake for ``envelope``, parsed."""
    submission = SubmissionData(id=str(uuid.uuid4()), received_at=datetime.now(UTC), envelope=envelope)
    message = gewerbe.build(submission, str(uuid.uuid4()))
    return parse_xml(message.body)


def record(message: Any, version: str, *, position: int = 0) -> Any:
    """The message's ``position``-th ``satz`` (a copy)."""
    found = message.findall(f"{{{XGA.format(version)}}}satz")
    return etree.fromstring(etree.tostring(found[position]))


def comparable(satz: Any, *, new_business: bool) -> bytes:
    """The record in canonical XML (C14N 1.0), without comments, indentation and the message's own elements."""
    satz = etree.fromstring(etree.tostring(satz))
    etree.strip_elements(satz, etree.Comment, with_tail=False)
    ignored = MESSAGE_OWN + ((NEW_BUSINESS_ID,) if new_business else ())
    (kind,) = list(satz)
    for child in list(kind):
        if etree.QName(child).localname in ignored:
            kind.remove(child)
    for element in satz.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return bytes(etree.tostring(satz, method="c14n"))
