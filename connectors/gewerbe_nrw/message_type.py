"""Which ``gewerbemeldung`` a receiver gets: the prefix of its message name, e.g. ``abh.gewerbemeldung.0500``.

XGewerbeanzeige sends one kind of record (``satz``) to many kinds of receiver; the message name says
which: ``sta.`` for the statistical offices, ``abh.`` for the foreigners' authorities, ... The number
belongs to the prefix. The table holds the pairs seen in the KoSIT test messages
(``../shared/standards/xgewerbeanzeige-samples``, releases 2.0–2.2); any other receiver's pair is
given in full (``messagePrefix`` and ``messageCode``) from the specification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KNOWN_CODES: dict[str, str] = {
    "sta": "0100",  # xgwa2.1-valid.xml: statistical office
    "dgu": "0230",  # xgwa2.0-invalid-xsd.xml: statutory accident insurance (DGUV)
    "lue": "0290",  # xgwa2.1-invalid-sch.xml: food control
    "alg": "0300",  # xgwa2.0-valid.xml, xgwa2.1-invalid-xsd.xml
    "abh": "0500",  # xgwa2.2-valid.xml: foreigners' authority (through a distribution platform)
}

_PREFIX = re.compile(r"^[a-z]{3}$")
_CODE = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True, slots=True)
class GewerbemeldungType:
    """A ``<prefix>.gewerbemeldung.<code>`` message: the root element's name and ``nachrichtentyp``."""

    prefix: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.prefix}.gewerbemeldung.{self.code}"

    def as_dict(self) -> dict[str, str]:
        return {"prefix": self.prefix, "code": self.code, "name": self.name}

    @classmethod
    def read(cls, prefix: object, code: object = None) -> GewerbemeldungType:
        """From the settings' ``messagePrefix`` (and ``messageCode``); ``ValueError`` says what is wrong."""
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise ValueError(f"'messagePrefix' must be three lower-case letters (e.g. abh, sta), not {prefix!r}")
        if code is None:
            if prefix not in KNOWN_CODES:
                known = ", ".join(f"{p} ({c})" for p, c in sorted(KNOWN_CODES.items()))
                raise ValueError(f"'messagePrefix' {prefix!r} needs its 'messageCode'; known without one: {known}")
            return cls(prefix, KNOWN_CODES[prefix])
        if not isinstance(code, str) or not _CODE.match(code):
            raise ValueError(f"'messageCode' must be four digits as a string (e.g. \"0500\"), not {code!r}")
        return cls(prefix, code)
