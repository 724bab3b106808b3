"""Masking personal data in an XML message, for the console's operators whose role may not read it.

Which names denote personal data is the domain's rule (:mod:`hub.domain.masking`); turning the
message into a tree is this package's job, through the safe parser like every other document.
"""

from __future__ import annotations

from lxml import etree

from hub.domain.masking import MASK, is_personal
from hub.xml.safe import parse_xml


def mask_xml(document: bytes) -> bytes:
    """A copy of an XML document with the text of personal elements (and their descendants) masked."""
    root = parse_xml(document)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if is_personal(etree.QName(element).localname):
            for inner in element.iter():
                if isinstance(inner.tag, str) and inner.text and inner.text.strip():
                    inner.text = MASK
    masked: bytes = etree.tostring(root, encoding="utf-8", pretty_print=True)
    return masked
