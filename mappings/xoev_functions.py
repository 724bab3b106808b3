"""Named functions for the XÖV (XML-target) specs, e.g. ``mappings/bauantrag.xbau-2.6.yaml``.

A spec refers to one as ``function: mappings.xoev_functions:NAME``. Like ``mappings.functions`` they
are pure and total: no I/O, no clock, no randomness, never raising on a well-formed envelope.

Each function takes the document its rule sees: the whole envelope at the top level, or one list
item inside an ``each`` group. The party functions accept both: given an envelope they look at its
``applicant``; given a list item (a builder-owner of ``form.bauherren``, which has the applicant's
shape) they look at the item itself. A ``person_*`` function returns ``None`` for an organisation
and an ``organisation_*`` function ``None`` for a person, so exactly one branch of XBau's
``Akteur`` choice (``natuerlichePerson`` | ``organisation``) is produced.

XBau wants a UUID ``id`` for every Akteur. It is derived (UUID version 5) from the party's data,
so the same envelope always maps to the same document and the applicant keeps one id wherever it
appears in the message (Antragsteller, Bauherr, Gebührenpflichtiger).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import orjson

__all__ = [
    "anlage_dokument_id",
    "entwurfsverfasser_id",
    "organisation_city",
    "organisation_house_number",
    "organisation_id",
    "organisation_name",
    "organisation_postal_code",
    "organisation_street",
    "person_city",
    "person_family_name",
    "person_given_name",
    "person_house_number",
    "person_id",
    "person_postal_code",
    "person_street",
]

# Fixed namespace of this hub's derived XBau ids (uuid5 of the URL below); never change it, or the
# ids of re-mapped submissions change.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hub.emscher-lippe.example/xbau/akteur")


def _party(doc: Any) -> Mapping[str, Any]:
    if type(doc) is not dict and not isinstance(doc, Mapping):
        return {}
    applicant = doc.get("applicant")
    if type(applicant) is dict or isinstance(applicant, Mapping):
        return applicant
    return doc


def _derived_id(value: Any) -> str:
    # Canonical form: compact UTF-8 JSON with sorted keys (for JSON data the same text as
    # json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")), several times faster).
    return _uuid_of(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())


@lru_cache(maxsize=1024)
def _uuid_of(canonical: str) -> str:
    # The applicant appears three times in a Bauantrag (Antragsteller, first Bauherr, Gebührenpflichtiger)
    return str(uuid.uuid5(_NAMESPACE, canonical))


def _is(kind: str, party: Mapping[str, Any]) -> bool:
    return party.get("kind") == kind


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _field(kind: str, *path: str) -> Callable[[Any], str | None]:
    # Runs a dozen times per party and message: the dict case first, the general one after.
    def get(doc: Any) -> str | None:
        party = _party(doc)
        if party.get("kind") != kind:
            return None
        value: Any = party
        for key in path:
            value = value.get(key) if type(value) is dict or isinstance(value, Mapping) else None
        return value.strip() or None if type(value) is str else _text(value)

    return get


def person_id(doc: Any) -> str | None:
    """The Akteur id of a natural person (``None`` for an organisation)."""
    party = _party(doc)
    return _derived_id(dict(party)) if _is("person", party) else None


def organisation_id(doc: Any) -> str | None:
    """The Akteur id of an organisation (``None`` for a natural person)."""
    party = _party(doc)
    return _derived_id(dict(party)) if _is("organisation", party) else None


person_family_name = _field("person", "familyName")
person_given_name = _field("person", "givenName")
person_street = _field("person", "address", "street")
person_house_number = _field("person", "address", "houseNumber")
person_postal_code = _field("person", "address", "postalCode")
person_city = _field("person", "address", "city")
organisation_name = _field("organisation", "organisationName")
organisation_street = _field("organisation", "address", "street")
organisation_house_number = _field("organisation", "address", "houseNumber")
organisation_postal_code = _field("organisation", "address", "postalCode")
organisation_city = _field("organisation", "address", "city")


def entwurfsverfasser_id(envelope: Any) -> str | None:
    """The Akteur id of the design author (``form.entwurfsverfasser``)."""
    form = envelope.get("form") if isinstance(envelope, Mapping) else None
    author = form.get("entwurfsverfasser") if isinstance(form, Mapping) else None
    return _derived_id({"entwurfsverfasser": dict(author)}) if isinstance(author, Mapping) else None


def anlage_dokument_id(item: Any) -> str | None:
    """``dokumentid`` of an Anlage: a URN naming the envelope attachment by its index.

    The delivery connector ships envelope attachment N under this id beside the XBau message. A JSON
    number with a zero fraction (``0.0``) is an integer for the form schema, so it names attachment 0
    here too (otherwise the required ``dokumentid`` would silently be left out of the message).
    """
    index = item.get("attachment") if isinstance(item, Mapping) else None
    if isinstance(index, float) and index.is_integer():
        index = int(index)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        return None
    return f"urn:x-emscher-lippe-hub:attachment:{index}"
