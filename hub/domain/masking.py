"""Masking of personal data in mapped messages, for operators whose role may not read it.

The console shows each delivery's mapped message so an operator can see what a receiver got;
applicants' names, birth dates, addresses and contact data stay hidden unless the role allows
them. Masking works on names, not on positions, so it holds for every mapping spec: a subtree
under a key that denotes a person (``antragsteller``, ``applicant``, ...) is masked entirely,
and so is any value whose key names a personal attribute (``geburtsdatum``, ``email``, ...).
Masking more than needed is the safe failure; the message's ids and codes stay readable.
XML messages are masked by :mod:`hub.xml.masking` with the same rule.
"""

from __future__ import annotations

import re
from typing import Any

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


def is_personal(key: str) -> bool:
    """Whether ``key`` names a person (its subtree is masked) or a personal attribute."""
    return key.lower() in PERSON_KEYS or bool(PERSONAL_PARTS.search(key))


def mask_json(value: Any, *, inside: bool = False) -> Any:
    """A copy of a JSON value with personal data replaced by :data:`MASK`."""
    if isinstance(value, dict):
        return {k: mask_json(v, inside=inside or is_personal(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, inside=inside) for v in value]
    if inside and value is not None and not isinstance(value, bool):
        return MASK
    return value
