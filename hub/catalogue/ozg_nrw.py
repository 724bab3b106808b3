"""The catalogue from KDN NRW's OZG database (OZG-Datenbank-NRW, a ``mysqldump`` of its tables).

Table ``ozg_service``: one row per Leistung with ``name``, ``service_key`` (the 14-digit LeiKa key,
or a note such as "nicht im LeiKa" for services without one), ``service_type`` (the LeiKa type),
``legal_basis`` and ``hidden``. Rows without a 14-digit key cannot be routed by key and are left
out (counted in :class:`ImportReport`); hidden rows too. The dump's jurisdiction tables
(``ozg_service_system_jurisdiction``) hold two rows only, so who carries a Leistung out comes from
its LeiKa type (:func:`hub.catalogue.entry.kind_of`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.catalogue.entry import Catalogue, CatalogueEntry, kind_of
from hub.catalogue.mysql_dump import Value, rows

SOURCE = {
    "name": "OZG-Datenbank-NRW (KDN NRW), table ozg_service",
    "repository": "https://github.com/kdn-nrw/OZG-Datenbank-NRW",
    "commit": "d6dafea5",
    "path": "doc-dev/databases/symfony.data.sql",
    "lastChanged": "2021-08-12",
    "licence": "MIT",
    "copyright": "(c) 2020 Gert Hammes",
    "note": "keys may have been revised in the LeiKa since; each entry's sourceId is its ozg_service.id",
}

_KEY = re.compile(r"\d{14}")
_LINK = re.compile(r"\s*\[https?://[^\]]*\]")


@dataclass
class ImportReport:
    imported: int = 0
    without_key: int = 0
    hidden: int = 0
    duplicates: list[str] = field(default_factory=list)


def _text(value: Value) -> str:
    return "" if value is None else str(value).strip()


def _legal_basis(value: Value) -> str | None:
    # The source appends the law's URL in brackets to each citation; the catalogue keeps the citation.
    text = _LINK.sub("", _text(value)).strip(" ,")
    return text or None


def catalogue_from_dump(text: str, *, progress: Callable[[int], None] | None = None) -> tuple[Catalogue, ImportReport]:
    """The catalogue from the dump's ``ozg_service`` rows; ``progress`` is told the offset reached."""
    report = ImportReport()
    entries: dict[str, CatalogueEntry] = {}
    for row in rows(text, "ozg_service", progress=progress):
        entry = _entry(row, report)
        if entry is None:
            continue
        if entry.leika in entries:
            report.duplicates.append(entry.leika)
            continue
        entries[entry.leika] = entry
        report.imported += 1
    return Catalogue(entries, dict(SOURCE)), report


def _entry(row: dict[str, Any], report: ImportReport) -> CatalogueEntry | None:
    key = _text(row.get("service_key"))
    if not _KEY.fullmatch(key):
        report.without_key += 1
        return None
    if row.get("hidden") not in (0, None):
        report.hidden += 1
        return None
    leika_type = _text(row.get("service_type"))
    return CatalogueEntry(
        leika=key,
        name=_text(row.get("name")),
        leika_type=leika_type,
        kind=kind_of(leika_type),
        legal_basis=_legal_basis(row.get("legal_basis")),
        source_id=int(row["id"]) if row.get("id") is not None else None,
    )
