"""Is an answer a SOAP envelope at all? A look at its first element before anyone parses it in full.

A proxy or load balancer in front of a SOAP receiver answers with its own page when something
behind it is wrong, often with status 200 (a login or maintenance page) and often as HTML with a
``<!DOCTYPE HTML PUBLIC ...>``. Parsed as a SOAP answer, such a page looks like a broken or even
hostile receiver (a DTD!), and would be classified for good. Nothing from the receiver has been
read then, so such an answer is worth retrying: callers make it a
:class:`~hub.errors.TransientError` that says what came instead.

Only the prolog and the root's start tag are read, incrementally, with no DTD loaded and no
network: cheap for a 40 MB XTA container. A DOCTYPE with an internal subset (entity declarations,
the vehicle of XXE and entity bombs) is not looked at: the caller's safe parser refuses it unparsed.
"""

from __future__ import annotations

import re

from lxml import etree

from hub.xml import make_safe_pull_parser

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
ENVELOPE_NAMESPACES = frozenset({SOAP11_ENV, SOAP12_ENV})
_HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CHUNK = 4096
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)


def not_an_envelope(content: bytes, content_type: str | None = None) -> str | None:
    """What the answer is instead of a SOAP envelope; None when its root is one, or it cannot tell yet
    (an empty body, or one cut off before its root element: the full parse reports those)."""
    if _INTERNAL_SUBSET.search(content, 0, 64 * 1024):
        return None
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    html = media_type in _HTML_MEDIA_TYPES
    parser = make_safe_pull_parser(("start",))
    try:
        for start in range(0, len(content), _CHUNK):
            parser.feed(content[start : start + _CHUNK])
            for _, element in parser.read_events():
                return _root_problem(etree.QName(element), html, media_type)
    except etree.XMLSyntaxError as exc:
        return _html_page(media_type) if html else f"something that is not XML ({exc.msg})"
    return None


def _root_problem(root: etree.QName, html: bool, media_type: str) -> str | None:
    if root.localname == "Envelope" and root.namespace in ENVELOPE_NAMESPACES:
        return None
    if html or root.localname.lower() == "html":
        return _html_page(media_type)
    return f"an XML document whose root element is {root.text}"


def _html_page(media_type: str) -> str:
    return f"an HTML page ({media_type or 'no Content-Type'}; a proxy's or the server's own page?)"
