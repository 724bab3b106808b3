"""The safe parser and the DOCTYPE policy.

Policy: a document may carry at most a bare ``<!DOCTYPE name>``. A DOCTYPE with an external
identifier (``SYSTEM``/``PUBLIC``: the parser would be asked to fetch a DTD, i.e. SSRF or a local file
read) or with an internal subset (``[...]``: entity and parameter-entity declarations, the vehicle of
XXE and billion-laughs) is refused. No XÖV, xdomea or FIT-Connect message uses a DTD, so nothing
legitimate is lost.

Two lines of defence, because either alone has a gap:

1. a pre-scan of the prolog refuses such a DOCTYPE before libxml2 sees the document, so an entity
   bomb never gets parsed at all (no time, no memory);
2. the parser itself never loads DTDs, never substitutes entities and never touches the network,
   and after parsing ``docinfo`` is checked again, which covers encodings the pre-scan cannot read
   (UTF-32, EBCDIC).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from hub.errors import HubError

# How much of the document the pre-scan looks at: a prolog (XML declaration, comments, PIs,
# DOCTYPE) longer than this is left to the post-parse check.
_PRESCAN_BYTES = 1024 * 1024

_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s*(?P<after>\[|SYSTEM\b|PUBLIC\b)?", re.IGNORECASE)


class XmlError(HubError):
    """An XML document the hub will not work with."""


class UnsafeXmlError(XmlError):
    """The document declares entities or references an external DTD; it is refused unparsed."""


class MalformedXmlError(XmlError):
    """The document is not well-formed XML."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def make_safe_parser(*, huge_tree: bool = False) -> Any:
    """A new parser with the safe options, for callers that must attach their own ``Resolver``.

    Resolvers are registered per parser, so a schema set that maps import URLs to local files gets
    its own parser instead of modifying the shared :data:`SAFE_PARSER`. ``huge_tree`` lifts
    libxml2's 10 MB text-node limit, for transports whose size the caller caps itself (XTA).
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        remove_comments=False,
    )


def make_safe_pull_parser(events: tuple[str, ...] = ("start",)) -> Any:
    """An incremental parser with the safe options, for peeking at a document's root as it arrives.

    Fed in chunks, it reports ``events`` without building more of the tree than the caller reads
    (e.g. whether an HTTP answer is a SOAP envelope at all, before parsing it whole).
    """
    return etree.XMLPullParser(events=events, resolve_entities=False, no_network=True, load_dtd=False)


SAFE_PARSER: Any = make_safe_parser()
"""The shared parser. Never add resolvers to it; use :func:`make_safe_parser` for that."""


def parse_xml(data: bytes) -> Any:
    """Parse ``data`` into its root element (``lxml.etree._Element``), refusing unsafe DOCTYPEs.

    Raises :class:`UnsafeXmlError` for a DOCTYPE with entities, an internal subset or an external
    DTD, and :class:`MalformedXmlError` for anything that is not well-formed.
    """
    _prescan(data)
    try:
        root = etree.fromstring(data, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXmlError(f"not well-formed XML: {exc}", line=exc.lineno) from exc
    check_docinfo(root.getroottree())
    return root


def check_docinfo(tree: Any) -> None:
    """Refuse a parsed tree whose DOCTYPE names an external DTD or declares anything.

    Also used on schema files parsed from disk, which skip the pre-scan.
    """
    info = tree.docinfo
    if info.system_url or info.public_id:
        raise UnsafeXmlError(
            f"refused XML: the DOCTYPE references an external DTD ({info.public_id or info.system_url}); "
            "XÖV messages never use a DTD"
        )
    dtd = info.internalDTD
    if dtd is None:
        return
    entities = [e.name for e in dtd.entities()]
    if entities:
        raise UnsafeXmlError(
            f"refused XML: the DOCTYPE declares entities ({', '.join(entities)}); entity declarations "
            "are how XXE and entity-expansion attacks work, and XÖV messages never need them"
        )
    if any(True for _ in dtd.iterelements()):
        raise UnsafeXmlError("refused XML: the DOCTYPE has an internal subset; XÖV messages never use a DTD")


def _prescan(data: bytes) -> None:
    text = _prolog_window(data)
    if text is None:
        return
    pos = 0
    while True:
        item = _PROLOG_ITEM.match(text, pos)
        if item is None or item.end() == pos:
            break
        pos = item.end()
    doctype = _DOCTYPE.match(text, pos)
    if doctype is None or doctype.group("after") is None:
        return
    after = doctype.group("after").upper()
    if after == "[":
        declares = "declares entities" if "<!ENTITY" in text[pos : pos + 65536].upper() else "has an internal subset"
        raise UnsafeXmlError(
            f"refused XML: the DOCTYPE {declares}; entity declarations are how XXE and entity-expansion "
            "(billion laughs) attacks work, and XÖV messages never use a DTD"
        )
    raise UnsafeXmlError(
        f"refused XML: the DOCTYPE references an external DTD ({after}); the hub never loads DTDs and "
        "XÖV messages never use one"
    )


def _prolog_window(data: bytes) -> str | None:
    """The start of the document as text, for ASCII-compatible encodings and UTF-16; else None."""
    head = data[:_PRESCAN_BYTES]
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return None  # UTF-32: left to the post-parse check
    if head.startswith(b"\xff\xfe") or head.startswith(b"<\x00?\x00"):
        codec = "utf-16-le"
    elif head.startswith(b"\xfe\xff") or head.startswith(b"\x00<\x00?"):
        codec = "utf-16-be"
    elif head.startswith(b"\x4c\x6f\xa7\x94"):
        return None  # EBCDIC: left to the post-parse check
    else:
        # Every markup character is ASCII in UTF-8 and ISO-8859-x, so latin-1 never fails and
        # keeps each byte at its position.
        return head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
    return head[: len(head) // 2 * 2].decode(codec, errors="replace").lstrip("\ufeff")
