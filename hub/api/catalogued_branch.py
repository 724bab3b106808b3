"""The generic path's branch of the submission body's ``oneOf``: any catalogued service by key.

Its ``service`` is ``leika-<Leistungsschlüssel>`` (a pattern, not a list: ~4,000 keys would make
the document several hundred kilobytes larger and tell a client no more than ``hub catalogue
show`` does), its form the generic form, its municipalities every body of the region. Which key a
municipality offers is the catalogue's answer at intake (422 naming ``/service``), as for a
service a municipality does not offer.
"""

from __future__ import annotations

from typing import Any

from hub.errors import RoutingError
from hub.routing.generic_path import GenericPath
from hub.routing.region import Region, Service

NAME = "catalogued"
SERVICE_PATTERN = "^leika-[0-9]{14}$"


def catalogued_service(generic: GenericPath) -> Service:
    """The generic path as a service: what the branch's form and attachments are built from."""
    return Service(
        id=NAME,
        name="Any catalogued service (generic form)",
        form=generic.form,
        checks=generic.checks,
        attachment_types=generic.attachment_types,
    )


def service_property() -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": SERVICE_PATTERN,
        "description": (
            "leika- and the 14-digit Leistungsschlüssel of a service of the region's catalogue that the "
            "municipality offers and that has no form of its own here (those are the other branches)."
        ),
    }


def offered(region: Region, service: str, municipality: str) -> bool:
    """Whether the generic branch applies: a catalogued key the municipality offers, not overridden."""
    generic = region.generic
    if generic is None or municipality not in region.municipalities:
        return False
    try:
        entry = generic.entry(service)
    except RoutingError:
        return False
    return bool(generic.offered(municipality, entry))
