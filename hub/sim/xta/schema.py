"""The XTA 2 schema set as one lxml ``XMLSchema``, plus the hardened parser for SOAP requests.

The simulator validates every request envelope and every answer it produces against the
official schemas, so neither a sloppy client nor a sloppy simulator goes unnoticed. The schema
is compiled from the WSDL's own ``<types>`` schema (which includes the XTA element and exception
files and imports OSCI transport and OSCI MessageMetaData), extended by imports of the SOAP 1.2
envelope schema (the file literally named ``.xsd``) and WS-Addressing: compiled with the WSDL's
location as base URL, every relative ``schemaLocation`` resolves inside the read-only folder,
and nothing is copied out of it.

The envelope schema declares ``Header`` and ``Body`` content as ``processContents="lax"``:
a child with a global declaration (every XTA, OSCI and WS-Addressing element we dispatch on) is
validated in full, an unknown one is not; the dispatcher refuses unknown body elements itself.
"""

from __future__ import annotations

import copy
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from hub.xml.safe import make_safe_parser

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSA_NS = "http://www.w3.org/2005/08/addressing"
XTA_NS = "http://xoev.de/transport/xta/211"
OSCI_NS = "http://www.osci.eu/ws/2008/05/transport"
OSCIMETA_NS = "http://www.osci.eu/ws/2014/10/transport"

SOAP12_ENVELOPE_XSD = ".xsd"
"""The SOAP 1.2 envelope schema ships under this odd name and is imported by OSCI2_02.xsd as such."""

MAX_REQUEST_BYTES = 60 * 1024 * 1024
"""XTA allows 40 MB per content container; base64 adds a third, the envelope a little more."""


class UnsafeXmlError(ValueError):
    """The request carries a DTD or entity declarations, which SOAP 1.2 forbids outright."""


def safe_parser() -> etree.XMLParser:
    """A parser that never resolves entities, never loads a DTD and never touches the network.

    lxml parsers are not thread-safe, so each call builds a fresh one (cheap next to parsing).
    """
    # XTA containers reach 40 MB of base64 text, beyond libxml2's 10 MB text-node limit; with
    # entities and DTDs refused and the body size capped, lifting the limit is safe.
    parser: etree.XMLParser = make_safe_parser(huge_tree=True)
    return parser


def parse_request(body: bytes) -> etree._Element:
    """Parse a SOAP request; refuses any document type declaration (SOAP 1.2 part 1, 5.)."""
    if len(body) > MAX_REQUEST_BYTES:
        raise ValueError(f"request larger than {MAX_REQUEST_BYTES} bytes")
    root = etree.fromstring(body, safe_parser())
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError("a SOAP message must not contain a document type declaration")
    return root


class XtaSchema:
    """The compiled schema; ``validate`` is serialised because lxml schemas are not thread-safe."""

    def __init__(self, wsdl_path: Path) -> None:
        self.wsdl_path = wsdl_path
        self._schema = etree.XMLSchema(_wrapper_schema(wsdl_path))
        self._lock = threading.Lock()

    def errors(self, root: etree._Element) -> list[str]:
        """Validation errors of a whole envelope (or any globally declared element); empty if valid."""
        with self._lock:
            if self._schema.validate(root):
                return []
            return [f"line {e.line}: {e.message}" for e in self._schema.error_log]


def _wrapper_schema(wsdl_path: Path) -> etree._ElementTree:
    """The WSDL's ``types`` schema, plus imports of the envelope and WS-Addressing schemas."""
    wsdl = etree.parse(str(wsdl_path), safe_parser())
    embedded = wsdl.find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    if embedded is None:
        raise ValueError(f"{wsdl_path} has no types/schema")
    schema = copy.deepcopy(embedded)
    for namespace, location in ((SOAP12_NS, SOAP12_ENVELOPE_XSD), (WSA_NS, "ws-addr.xsd")):
        imp = etree.Element(f"{{{XSD_NS}}}import", namespace=namespace, schemaLocation=location)
        # Imports must precede includes in an XML Schema document.
        schema.insert(0, imp)
    # The base URL makes libxml2 resolve the relative schemaLocations next to the WSDL.
    return etree.ElementTree(etree.fromstring(etree.tostring(schema), safe_parser(), base_url=str(wsdl_path)))


@lru_cache(maxsize=4)
def load_schema(wsdl_path: Path) -> XtaSchema:
    """Compile once per WSDL location and process: compiling takes a noticeable fraction of a second."""
    return XtaSchema(wsdl_path.resolve())
