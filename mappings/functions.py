"""Named functions for mapping specs: the escape hatch for what a declarative rule cannot say.

A spec refers to one as ``function: mappings.functions:NAME``. Each takes the whole intake
envelope (the portal's JSON with the API's field names, already checked against the envelope
model and the service's form schema) and returns a JSON value. They are pure and total: no I/O,
no clock, no randomness, and they never raise on a well-formed envelope, so a spec that uses
them maps the same envelope to the same document on every attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["applicant_display_name", "household_size", "parking_permit_districts"]

# NRW's Regierungsbezirke by the third digit of the AGS (Land 05), and the ids the forms use.
_NRW_DISTRICTS: dict[str, str] = {
    "1": "Düsseldorf",
    "3": "Köln",
    "5": "Münster",
    "7": "Detmold",
    "9": "Arnsberg",
}
_DISTRICT_IDS: dict[str, str] = {
    "duesseldorf": "1",
    "koeln": "3",
    "muenster": "5",
    "detmold": "7",
    "arnsberg": "9",
}


def _section(envelope: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = envelope.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def applicant_display_name(envelope: Mapping[str, Any]) -> str:
    """The applicant as back offices list them: "Familienname, Vorname" or the organisation."""
    applicant = _section(envelope, "applicant")
    if applicant.get("kind") == "organisation":
        return _text(applicant.get("organisationName"))
    parts = (_text(applicant.get("familyName")), _text(applicant.get("givenName")))
    return ", ".join(p for p in parts if p)


def household_size(envelope: Mapping[str, Any]) -> int:
    """Persons in a WBS household: the applicant plus ``form.householdMembers``."""
    members = _section(envelope, "form").get("householdMembers")
    return 1 + (len(members) if isinstance(members, list) else 0)


def parking_permit_districts(envelope: Mapping[str, Any]) -> list[str]:
    """Regierungsbezirke a Handwerkerparkausweis (Modell NRW) is valid in.

    The issuing body's own district (from its AGS) comes first, then those requested in
    ``form.additionalDistricts`` in the order given, each once. Unknown ids are skipped (the
    form schema does not let them through).
    """
    codes: list[str] = []
    ags = _text(envelope.get("municipality"))
    if len(ags) == 8 and ags.startswith("05") and ags[2] in _NRW_DISTRICTS:
        codes.append(ags[2])
    requested = _section(envelope, "form").get("additionalDistricts")
    for district in requested if isinstance(requested, list) else []:
        code = _DISTRICT_IDS.get(district) if isinstance(district, str) else None
        if code is not None and code not in codes:
            codes.append(code)
    return [_NRW_DISTRICTS[c] for c in codes]
