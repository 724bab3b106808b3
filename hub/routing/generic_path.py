"""The generic path: any catalogued service a municipality offers, with a generic form, to its DMS.

A portal names a catalogued service as ``leika-<Leistungsschlüssel>`` (``leika-99001009000000``).
If the region has a service of its own with that key (its own form, mapping and destinations),
that service wins and the generic path refuses the key, naming the service to use instead. Otherwise
the submission is validated against the generic form (``catalogue.form``: structured fields as
portals send them, in labelled sections) and routed to the destinations ``catalogue.destinations``
names for the municipality (by default its DMS, where the xdomea 3.1.0 spec for every service,
``mappings/any.xdomea-3.1.0.yaml``, files it).

Nothing is expanded per (service, municipality): a lookup is a dict access in the catalogue, the
municipality's offer rule and its destination list, whatever the catalogue's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.catalogue import Catalogue, CatalogueEntry, Offers, load_catalogue
from hub.errors import ConfigError, RoutingError
from hub.routing.cross_check_file import load_cross_checks
from hub.routing.cross_checks import CrossChecks
from hub.routing.forms import FormSchema

PREFIX = "leika-"
_ID = re.compile(r"leika-(\d{14})")


def leika_of(service_id: str) -> str | None:
    """The key in a generic service id (``leika-99001009000000`` -> ``99001009000000``), else None."""
    match = _ID.fullmatch(service_id)
    return match.group(1) if match else None


def service_id(leika: str) -> str:
    return PREFIX + leika


@dataclass(frozen=True)
class GenericPath:
    catalogue: Catalogue
    offers: Offers
    form: FormSchema
    checks: CrossChecks | None
    destinations: dict[str, tuple[str, ...]]
    """Destination ids per AGS."""
    attachment_types: tuple[str, ...] | None
    overridden: dict[str, tuple[str, ...]]
    """LeiKa key -> ids of the region's own services with that key."""
    sample: Path | None = None
    """A valid generic submission (``catalogue.sample``): the API document's example of the branch."""

    def entry(self, service: str, ags: str | None = None) -> CatalogueEntry:
        """The catalogued service ``service`` names; RoutingError (``/service``) when there is none."""
        leika = leika_of(service)
        entry = self.catalogue.get(leika) if leika else None
        if entry is None:
            raise RoutingError(f"unknown service {service!r}", "/service")
        if entry.leika in self.overridden:
            own = " or ".join(repr(s) for s in self.overridden[entry.leika])
            message = f"{entry.name} ({entry.leika}) has a form of its own here: submit it as {own}"
            raise RoutingError(message, "/service")
        return entry

    def offered_by(self, entry: CatalogueEntry) -> tuple[str, ...]:
        """The AGS of every municipality whose offer rule includes ``entry``, sorted.

        The rule alone: a key the region has a service of its own for is still offered by these
        bodies (through that service; ``hub services new`` writes its routes for them).
        """
        return tuple(sorted(ags for ags in self.destinations if self.offers.offers(ags, entry)))

    def offered(self, ags: str, entry: CatalogueEntry) -> tuple[str, ...]:
        """The destinations of ``entry`` for ``ags``, empty when the municipality does not offer it."""
        return self.destinations.get(ags, ()) if self.offers.offers(ags, entry) else ()


def catalogue_section(raw: dict[str, Any]) -> dict[str, Any] | None:
    section = raw.get("catalogue")
    if section is None:
        return None
    if not isinstance(section, dict) or "file" not in section:
        raise ConfigError("region.yaml: catalogue needs a file")
    return section


def generic_path(
    section: dict[str, Any],
    directory: Path,
    destinations_for: dict[str, tuple[str, ...]],
    own_keys: dict[str, tuple[str, ...]],
) -> GenericPath:
    """The generic path from ``region.yaml``'s ``catalogue`` section (destinations already expanded)."""
    if "form" not in section:
        raise ConfigError("region.yaml: catalogue needs a form (the generic form schema)")
    types = (section.get("attachments") or {}).get("allowedTypes")
    form = FormSchema.load(directory / str(section["form"]))
    return GenericPath(
        catalogue=load_catalogue(directory / str(section["file"])),
        offers=Offers.from_config(section.get("offered"), "region.yaml: catalogue.offered"),
        form=form,
        checks=load_cross_checks(directory / str(section["checks"]), form) if section.get("checks") else None,
        destinations=destinations_for,
        attachment_types=None if types is None else tuple(str(t).lower() for t in types),
        overridden=own_keys,
        sample=directory / str(section["sample"]) if section.get("sample") else None,
    )
