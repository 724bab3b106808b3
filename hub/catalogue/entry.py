"""The catalogue of services (Leistungen) by LeiKa key, as the deployment ships it.

The file is JSON (``catalogue/ozg-nrw.services.json`` in the config directory, named by
``region.yaml``'s ``catalogue.file``): its ``source`` says where the entries come from, its
``services`` are sorted by key so a re-import diffs cleanly. Loading ~4,800 entries takes a few
milliseconds and ~2 MB; lookups are one dict access, whatever the catalogue's size.

Each entry's ``kind`` says who carries the Leistung out, from its LeiKa type (the LeiKa's
Typisierung, as the NRW OZG programme explains it, digital-direkt.nrw "LeiKa-Typ"): type 1 is
regulated and carried out by the Bund (``federal``); types 2 and 3 are regulated by the Bund and
carried out by the Land or the municipalities, type 4 regulated by the Land and carried out by the
Land or the municipalities, type 5 regulated and carried out by the municipalities. The source
writes "2/3" for most: those, 3, 4, 5 and any list that names one of them are ``municipal`` (a
municipality may be the authority: it is the municipality's own offer list that decides); "2"
alone is ``state``; what the source leaves empty or writes otherwise (6, 44) is ``unclassified``
and offered by nobody unless a municipality lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from hub.errors import ConfigError


class ServiceKind(StrEnum):
    MUNICIPAL = "municipal"
    STATE = "state"
    FEDERAL = "federal"
    UNCLASSIFIED = "unclassified"


_MUNICIPAL_TYPES = {"2/3", "3", "4", "5"}


def kind_of(leika_type: str) -> ServiceKind:
    """Who carries the Leistung out, from the LeiKa type as the source writes it ("2/3", "1, 2/3")."""
    types = {t.strip() for t in leika_type.split(",") if t.strip()}
    if types & _MUNICIPAL_TYPES:
        return ServiceKind.MUNICIPAL
    if types == {"2"}:
        return ServiceKind.STATE
    if types == {"1"}:
        return ServiceKind.FEDERAL
    return ServiceKind.UNCLASSIFIED


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    leika: str
    """The 14-digit Leistungsschlüssel."""
    name: str
    leika_type: str
    kind: ServiceKind
    legal_basis: str | None = None
    source_id: int | None = None
    """The row's id in the source (``ozg_service.id``), so each entry can be traced back."""

    def as_json(self) -> dict[str, Any]:
        return {
            "leika": self.leika,
            "name": self.name,
            "type": self.leika_type,
            "kind": self.kind.value,
            "legalBasis": self.legal_basis,
            "sourceId": self.source_id,
        }


@dataclass(frozen=True)
class Catalogue:
    entries: dict[str, CatalogueEntry]
    source: dict[str, Any]
    """Where the entries come from: repository, commit, path, licence, copyright."""

    def get(self, leika: str) -> CatalogueEntry | None:
        return self.entries.get(leika)

    def __len__(self) -> int:
        return len(self.entries)

    def of_kind(self, kind: ServiceKind) -> frozenset[str]:
        return frozenset(key for key, entry in self.entries.items() if entry.kind is kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "services": [self.entries[key].as_json() for key in sorted(self.entries)],
        }


def load_catalogue(path: Path) -> Catalogue:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = {
            str(s["leika"]): CatalogueEntry(
                leika=str(s["leika"]),
                name=str(s["name"]),
                leika_type=str(s.get("type", "")),
                kind=ServiceKind(s["kind"]),
                legal_basis=s.get("legalBasis"),
                source_id=s.get("sourceId"),
            )
            for s in raw["services"]
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a service catalogue: {exc}") from exc
    return Catalogue(entries, dict(raw.get("source") or {}))


def write_catalogue(catalogue: Catalogue, path: Path) -> None:
    """Sorted, one entry per line: a re-import shows as a diff of the entries that changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = catalogue.as_json()
    lines = [json.dumps(entry, ensure_ascii=False) for entry in data["services"]]
    source = json.dumps(data["source"], ensure_ascii=False, indent=2).replace("\n", "\n  ")
    text = '{\n  "source": ' + source + ',\n  "services": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
    path.write_text(text, encoding="utf-8")
