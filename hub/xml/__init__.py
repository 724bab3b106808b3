"""Safe XML parsing: the only way the hub turns bytes into an XML tree.

Everything the hub parses (portal payloads, receipts, xdomea/XBau messages, schema files) goes
through :func:`parse_xml` or :data:`SAFE_PARSER`, so no document can make the hub read local
files, fetch URLs or expand entities (XXE, billion laughs, SSRF through DTDs).
"""

from __future__ import annotations

from hub.xml.safe import SAFE_PARSER, MalformedXmlError, UnsafeXmlError, XmlError, make_safe_parser, parse_xml

__all__ = ["SAFE_PARSER", "MalformedXmlError", "UnsafeXmlError", "XmlError", "make_safe_parser", "parse_xml"]
