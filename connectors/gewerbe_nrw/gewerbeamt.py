"""The reporting Gewerbeamt as XGewerbeanzeige names it: author of the message and of its record.

A Gewerbeanzeige is the municipality's record, so its author (``nachrichtenkopf/autor`` and
``satz/*/autor``) is the Gewerbeamt, identified by a Behördenkennung whose prefix comes from the DVDV
list (the KoSIT messages: ``MELDID`` with the municipality's AGS as code), with the ways to reach it
and its address. Settings (``gewerbeamt`` of a ``gewerbe-nrw`` destination)::

    gewerbeamt:
      prefix: MELDID
      code: "{ags}"
      name: "Gewerbeamt {name}"
      contacts: [{channel: email, value: gewerbe@stadt.example}, {channel: phone, value: "02043 99-0"}]
      address: {street: Rathausplatz, houseNumber: "1", postalCode: "45964", city: Gladbeck}   # optional
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHANNELS = ("email", "phone", "web")
_PREFIX = re.compile(r"^[A-Za-z]{2,10}$")
_CODE = re.compile(r"^[0-9]+$")
ADDRESS_FIELDS = ("street", "houseNumber", "postalCode", "city")


@dataclass(frozen=True, slots=True)
class Gewerbeamt:
    prefix: str
    code: str
    name: str
    contacts: tuple[tuple[str, str], ...] = ()  # (channel, value)
    address: tuple[tuple[str, str], ...] = ()  # (field, value), fields of ADDRESS_FIELDS

    def as_dict(self) -> dict[str, Any]:
        """The ``hub.gewerbeamt`` object the mapping specs read."""
        found: dict[str, Any] = {
            "prefix": self.prefix,
            "code": self.code,
            "name": self.name,
            "contacts": [{"channel": channel, "value": value} for channel, value in self.contacts],
        }
        if self.address:
            found["address"] = dict(self.address)
        return found

    @classmethod
    def read(cls, raw: Any) -> Gewerbeamt:
        """From the settings mapping; ``ValueError`` says what is wrong (the caller names the setting)."""
        if not isinstance(raw, Mapping):
            raise ValueError("must be a mapping {prefix, code, name, contacts, address}")
        prefix, code, name = (str(raw.get(key) or "").strip() for key in ("prefix", "code", "name"))
        if not _PREFIX.match(prefix):
            raise ValueError(f"needs a Behördenkennung prefix of letters (e.g. MELDID), not {prefix!r}")
        if not _CODE.match(code):
            raise ValueError(f"needs a Behördenkennung code of digits (the AGS), not {code!r}")
        if not name:
            raise ValueError("needs a name")
        return cls(prefix, code, name, _contacts(raw.get("contacts")), _address(raw.get("address")))


def _contacts(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError("'contacts' must be a list of {channel, value}")
    found = []
    for item in raw:
        channel = item.get("channel") if isinstance(item, Mapping) else None
        value = str(item.get("value") or "").strip() if isinstance(item, Mapping) else ""
        if channel not in CHANNELS or not value:
            raise ValueError(f"each contact needs a channel ({', '.join(CHANNELS)}) and a value, not {item!r}")
        found.append((str(channel), value))
    return tuple(found)


def _address(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or set(raw) - set(ADDRESS_FIELDS):
        raise ValueError(f"'address' must be a mapping of {', '.join(ADDRESS_FIELDS)}")
    missing = [key for key in ("street", "postalCode", "city") if not str(raw.get(key) or "").strip()]
    if missing:
        raise ValueError(f"'address' needs {', '.join(missing)}")
    return tuple((key, str(raw[key]).strip()) for key in ADDRESS_FIELDS if raw.get(key) is not None)
