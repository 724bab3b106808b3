"""Named value transforms a mapping spec may apply (``transform: date_de``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any


def date_de(value: Any) -> str:
    """ISO date (YYYY-MM-DD) to the German form DD.MM.YYYY."""
    return date.fromisoformat(str(value)).strftime("%d.%m.%Y")


def date_ddmmyyyy(value: Any) -> str:
    """ISO date to the eight digits DDMMYYYY (XGewerbeanzeige's ``geburtsdatum``: ``12101965``)."""
    return date.fromisoformat(str(value)).strftime("%d%m%Y")


def date_iso(value: Any) -> str:
    return date.fromisoformat(str(value)).isoformat()


def bool_ja_nein(value: Any) -> str:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return "J" if value else "N"


def integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


# "Musterstraße 12a", "Am Markt 3-5", "Hauptstr. 7 b", "Weg 12/1": the house number is the trailing
# group that starts with a digit; what precedes it is the street.
_STREET_AND_NUMBER = re.compile(r"^(?P<street>.*?\S)\s+(?P<number>\d+\s?[a-zA-Z]?(?:\s?[-/]\s?\d+\s?[a-zA-Z]?)?)$")


def _street_parts(value: Any) -> tuple[str, str | None]:
    text = " ".join(str(value).split())
    found = _STREET_AND_NUMBER.match(text)
    return (found["street"], found["number"]) if found else (text, None)


def street_name(value: Any) -> str:
    """The street of a one-line address (``Musterstraße 12a`` → ``Musterstraße``)."""
    return _street_parts(value)[0]


def house_number(value: Any) -> str | None:
    """The house number of a one-line address (``Musterstraße 12a`` → ``12a``); None when there is none."""
    return _street_parts(value)[1]


def _name_parts(value: Any) -> tuple[str | None, str]:
    words = str(value).split()
    if not words:
        raise ValueError("expected a name, got nothing")
    return (" ".join(words[:-1]) or None, words[-1])


def given_names(value: Any) -> str | None:
    """The given names of a one-field name (``Erika Maria Mustermann`` → ``Erika Maria``).

    A heuristic for portals that ask for the whole name in one field: the last word is the family name.
    Compound family names (``von der Heide``) need separate fields in the form.
    """
    return _name_parts(value)[0]


def family_name(value: Any) -> str:
    """The family name of a one-field name: its last word (see :func:`given_names`)."""
    return _name_parts(value)[1]


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "street_name": street_name,
    "house_number": house_number,
    "given_names": given_names,
    "family_name": family_name,
    "date_de": date_de,
    "date_iso": date_iso,
    "date_ddmmyyyy": date_ddmmyyyy,
    "bool_ja_nein": bool_ja_nein,
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "string": str,
    "integer": integer,
    "number": float,
}
