"""Masking of personal data in mapped messages, for operators whose role may not read it.

The console shows each delivery's mapped message so an operator can see what a receiver got;
applicants' names, birth dates, addresses and contact data stay hidden unless the role allows
them. Masking works on names, not on positions, so it holds for every mapping spec: a subtree
under a key that denotes a person (``antragsteller``, ``applicant``, ...) is masked entirely,
and so is any value whose key names a personal attribute (``geburtsdatum``, ``email``, ...).
Masking more than needed is the safe failure; the message's ids and codes stay readable.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

MASK = "•••"

# Keys whose whole subtree is about a person.
PERSON_KEYS = frozenset(
    {
        "antragsteller", "applicant", "person", "halter", "bevollmaechtigter", "vertreter",
        "kontakt", "contact", "anschrift", "address", "adresse", "bauherr", "entwurfsverfasser",
        "natuerlicheperson", "ansprechpartner", "empfaenger", "absender", "betriebsinhaber",
    }
)  # fmt: skip
# Parts of key names that denote a personal attribute wherever they appear.
PERSONAL_PARTS = re.compile(
    r"name|geburt|birth|strasse|straße|street|hausnummer|house|postleitzahl|postal|plz|ort$|^ort|city|"
    r"email|e-mail|telefon|phone|mobil|fax|iban|bic|konto|steuer-?id|steueridentifikationsnummer",
    re.IGNORECASE,
)


def _personal(key: str) -> bool:
    return key.lower() in PERSON_KEYS or bool(PERSONAL_PARTS.search(key))


def mask_json(value: Any, *, inside: bool = False) -> Any:
    """A copy of a JSON value with personal data replaced by :data:`MASK`."""
    if isinstance(value, dict):
        return {k: mask_json(v, inside=inside or _personal(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, inside=inside) for v in value]
    if inside and value is not None and not isinstance(value, bool):
        return MASK
    return value


def mask_xml(document: bytes) -> bytes:
    """A copy of an XML document with the text of personal elements (and their descendants) masked."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(document, parser)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if _personal(local):
            for inner in element.iter():
                if isinstance(inner.tag, str) and inner.text and inner.text.strip():
                    inner.text = MASK
    masked: bytes = etree.tostring(root, encoding="utf-8", pretty_print=True)
    return masked
