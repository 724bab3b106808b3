"""Reading a received XÖV message: which standard, version and message type it is, and its nachrichtenUUID.

The message is parsed with the hub's safe parser (no DTDs, entities or network). Its root's
namespace names the standard (``http://www.xgewerbeanzeige.de/spezifikation/2.2`` is
XGewerbeanzeige 2.2), its root's local name the message type (``abh.gewerbemeldung.0500``), and
the ``nachrichtenUUID`` of its ``nachrichtenkopf`` identifies it across transports. The checks:
well-formed, an XÖV header with a UUID, the root's ``version`` attribute matching its namespace,
and, where the schema catalog holds the standard's set (``<standard>-<version>``), the XSD.
The XGewerbeanzeige XSDs are not published in the catalog (../shared/standards/README.md), so
for those only the structural checks run.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from lxml import etree

from hub.domain.inbound import Received, XoevHeader
from hub.schemas import SchemaCatalog, SchemaNotInstalled
from hub.xml import parse_xml
from hub.xml.safe import XmlError

# Namespace patterns of the standards the region receives; the groups are the version's parts.
STANDARDS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("xgewerbeanzeige", re.compile(r"^http://www\.xgewerbeanzeige\.de/spezifikation/(\d+)\.(\d+)$"), "."),
    ("xbau", re.compile(r"^http://www\.xleitstelle\.de/xbau/(\d+)/(\d+)$"), "."),
)


def read_message(data: bytes, media_type: str, schemas: SchemaCatalog | None) -> Received:
    """The facts about a fetched message the inbound verdict needs (never raises for bad content)."""
    try:
        root = parse_xml(data)
    except XmlError as exc:
        return Received(too_large=False, header=None, problem=f"not well-formed XML ({media_type}): {exc}")
    header, problem = _header(root)
    if header is None:
        return Received(too_large=False, header=None, problem=problem)
    return Received(too_large=False, header=header, schema_problems=tuple(_problems(root, header, schemas)))


def _standard(namespace: str) -> tuple[str, str] | None:
    for name, pattern, separator in STANDARDS:
        found = pattern.match(namespace)
        if found:
            return name, separator.join(found.groups())
    return None


def _header(root: Any) -> tuple[XoevHeader | None, str | None]:
    qname = etree.QName(root)
    if not qname.namespace:
        return None, f"the root element {qname.localname} has no namespace: not an XÖV message"
    kopf = next(
        (c for c in root if isinstance(c.tag, str) and etree.QName(c).localname.startswith("nachrichtenkopf")), None
    )
    if kopf is None:
        return None, f"{qname.localname} has no nachrichtenkopf: not an XÖV message"
    found = kopf.find(".//{*}nachrichtenUUID")
    if found is None or not (found.text or "").strip():
        return None, f"{qname.localname}: the nachrichtenkopf has no nachrichtenUUID"
    known = _standard(qname.namespace)
    standard, version = known if known else (qname.namespace, root.get("version") or "")
    return XoevHeader(standard, version, qname.localname, found.text.strip()), None


def _problems(root: Any, header: XoevHeader, schemas: SchemaCatalog | None) -> list[str]:
    problems = []
    try:
        uuid.UUID(header.message_uuid)
    except ValueError:
        problems.append(f"nachrichtenUUID {header.message_uuid!r} is not a UUID")
    declared = root.get("version")
    if declared is not None and declared != header.version:
        problems.append(f"version attribute {declared!r} does not match the namespace's {header.version}")
    if schemas is not None:
        try:
            validator = schemas.validator(f"{header.standard}-{header.version}")
        except SchemaNotInstalled:
            return problems
        problems.extend(str(p) for p in validator.validate(root))
    return problems
