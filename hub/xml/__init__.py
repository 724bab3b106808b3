"""Safe XML parsing: the only way the hub turns bytes into an XML tree.

Everything the hub parses goes through this package, so no document can make the hub read local
files, fetch URLs or expand entities (XXE, billion laughs, SSRF through DTDs):

* messages (portal payloads, receipts, xdomea/XBau messages): :func:`parse_xml`, or
  :data:`SAFE_PARSER` / :func:`make_safe_parser` / :func:`make_safe_pull_parser` where lxml needs the
  parser itself;
* schema documents on disk (XSD, WSDL, Schematron), which may include local files but never fetch:
  :mod:`hub.xml.schema_files`;
* the console's masked view of a message: :mod:`hub.xml.masking`.
"""

from __future__ import annotations

from hub.xml.safe import (
    SAFE_PARSER,
    MalformedXmlError,
    UnsafeXmlError,
    XmlError,
    check_docinfo,
    make_safe_parser,
    make_safe_pull_parser,
    parse_xml,
)
from hub.xml.schema_files import SchemaSetParser, parse_schema_file, target_namespace

__all__ = [
    "SAFE_PARSER",
    "MalformedXmlError",
    "SchemaSetParser",
    "UnsafeXmlError",
    "XmlError",
    "check_docinfo",
    "make_safe_parser",
    "make_safe_pull_parser",
    "parse_schema_file",
    "parse_xml",
    "target_namespace",
]
