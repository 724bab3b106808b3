"""Named value transforms a mapping spec may apply (``transform: date_de``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any


def date_de(value: Any) -> str:
    """ISO date (YYYY-MM-DD) to the German form DD.MM.YYYY."""
    return date.fromisoformat(str(value)).strftime("%d.%m.%Y")


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


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "date_de": date_de,
    "date_iso": date_iso,
    "bool_ja_nein": bool_ja_nein,
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "string": str,
    "integer": integer,
    "number": float,
}
