"""Onboarding a catalogued service as data: ``hub services new`` writes its form, sample, spec and routes.

The scaffold is a starting point an IT provider edits (docs/services.md), never code: a form schema
with a few generic fields, a sample valid against it, one mapping spec per target kind and, in
``region.yaml``, the service entry (name, LeiKa key and its source from the catalogue) and one route
for every municipality whose offer rule includes the key. ``region.yaml`` is edited as text, the new
entries appended to the ``services`` and ``routes`` lists, so its comments and anchors survive.
Nothing is written unless every check passed; ``hub services check`` then verifies the result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.catalogue import CatalogueEntry
from hub.errors import ConfigError
from hub.routing.generic_path import PREFIX
from hub.routing.region import Region, load_region
from hub.service.region_text import append_to_list

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
"""A service id as the envelope takes it (hub.domain.envelope)."""
SCAFFOLD_WHY = "scaffolded from the catalogue entry"


@dataclass(frozen=True)
class TargetKind:
    """A kind of target the scaffold can route to: a destination template of the region and its standard."""

    name: str
    destination: str
    standard: str
    description: str


TARGET_KINDS = {
    kind.name: kind
    for kind in (
        TargetKind(
            "dms", "{slug}-dms", "xdomea-3.1.0", "the body's DMS (e-Akte), xdomea 3.1.0 FVDaten.SGOAblegen.0605"
        ),
        TargetKind(
            "fachverfahren", "{slug}-fachverfahren", "fachverfahren-json", "the body's Fachverfahren, JSON over REST"
        ),
    )
}


class ScaffoldRefused(Exception):
    """The scaffold cannot be written (existing slug, unknown key or kind, ...); nothing was written."""


@dataclass(frozen=True)
class Scaffold:
    """What ``new_service`` wrote."""

    service: str
    entry: CatalogueEntry
    municipalities: tuple[str, ...]
    files: tuple[Path, ...]


def new_service(config_dir: Path, mappings_dir: Path, slug: str, leika: str, kinds: list[str]) -> Scaffold:
    """Write the service ``slug`` for the catalogued ``leika`` with routes to ``kinds``; ScaffoldRefused when not."""
    region = _region(config_dir)
    entry, offered = _checked(region, slug, leika, kinds)
    targets = [TARGET_KINDS[k] for k in dict.fromkeys(kinds)]
    form = form_schema(slug, entry, _form_base(config_dir, region))
    planned = {
        config_dir / "forms" / f"{slug}.schema.json": _json_text(form),
        config_dir / "samples" / f"{slug}.json": _json_text(sample(slug, form, _generic_sample(region), offered)),
    }
    for target in targets:
        planned[mappings_dir / f"{slug}.{target.standard}.yaml"] = mapping_spec(slug, entry, target, form, mappings_dir)
    existing = [str(p) for p in planned if p.exists()]
    if existing:
        raise ScaffoldRefused(f"these files exist already (remove them or choose another slug): {', '.join(existing)}")
    region_file = config_dir / "region.yaml"
    text = region_file.read_text(encoding="utf-8")
    text = append_to_list(text, "services", _service_entry(slug, entry, region))
    text = append_to_list(text, "routes", _route_entry(slug, entry, offered, targets))
    yaml.safe_load(text)  # a scaffold that breaks the file must not be written
    for path, content in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    region_file.write_text(text, encoding="utf-8")
    return Scaffold(slug, entry, offered, (*planned, region_file))


def _region(config_dir: Path) -> Region:
    try:
        return load_region(config_dir)
    except ConfigError as exc:
        raise ScaffoldRefused(f"the region does not load ({exc}); run `hub services check` first") from exc


def _checked(region: Region, slug: str, leika: str, kinds: list[str]) -> tuple[CatalogueEntry, tuple[str, ...]]:
    if not SLUG.fullmatch(slug) or slug.startswith(PREFIX):
        raise ScaffoldRefused(
            f"{slug!r} is not a service id: lower-case letters, digits and '-', at most 64, "
            f"not starting with {PREFIX!r}"
        )
    if slug in region.services:
        raise ScaffoldRefused(f"the region has a service {slug!r} already")
    unknown = [k for k in kinds if k not in TARGET_KINDS]
    if unknown or not kinds:
        raise ScaffoldRefused(f"unknown target kind(s) {unknown}; known: {', '.join(TARGET_KINDS)}")
    generic = region.generic
    if generic is None:
        raise ScaffoldRefused("the region has no service catalogue (region.yaml: catalogue.file)")
    entry = generic.catalogue.get(leika)
    if entry is None:
        raise ScaffoldRefused(f"LeiKa key {leika!r} is not in the catalogue ({len(generic.catalogue)} entries)")
    offered = generic.offered_by(entry)
    if not offered:
        raise ScaffoldRefused(
            f"no municipality offers {entry.name} ({leika}, kind {entry.kind.value}); "
            "list it in catalogue.offered first"
        )
    for kind in kinds:
        template = TARGET_KINDS[kind].destination
        missing = [a for a in offered if _fill(template, region, a) not in region.destinations]
        if missing:
            raise ScaffoldRefused(
                f"target {kind!r} needs the destination {template!r}, missing for {', '.join(missing)}"
            )
    return entry, offered


def _fill(template: str, region: Region, ags: str) -> str:
    m = region.municipalities[ags]
    return template.replace("{slug}", m.slug).replace("{ags}", m.ags).replace("{name}", m.name)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value, ensure_ascii=False)


def _form_base(config_dir: Path, region: Region) -> str:
    """The ``$id`` base of the region's forms (the generic form's), so a new form's URI looks like its siblings'."""
    generic = region.generic
    source = Path(generic.form.source) if generic is not None else config_dir / "forms" / "generic.schema.json"
    try:
        found = json.loads(source.read_text(encoding="utf-8")).get("$id", "")
    except (OSError, ValueError):
        found = ""
    return found.rpartition("/")[0] if isinstance(found, str) and "/" in found else "urn:x-hub:forms"


def form_schema(slug: str, entry: CatalogueEntry, base: str) -> dict[str, Any]:
    """A starting form: what is applied for, why, when; the provider replaces these with the service's fields."""
    basis = f" Legal basis: {entry.legal_basis}." if entry.legal_basis else ""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/{slug}.schema.json",
        "title": entry.name,
        "description": f"{entry.name} (LeiKa {entry.leika}).{basis} Scaffolded by `hub services new`: "
        "replace these generic fields with the service's own (docs/services.md).",
        "type": "object",
        "additionalProperties": False,
        "required": ["request", "declarationOfTruth"],
        "properties": {
            "request": {
                "description": "What the applicant applies for, in their own words.",
                "type": "string",
                "minLength": 1,
                "maxLength": 2000,
            },
            "reason": {"description": "Why, if the applicant says.", "type": "string", "maxLength": 2000},
            "preferredDate": {
                "description": "A date the applicant asks for, if any.",
                "type": "string",
                "format": "date",
            },
            "declarationOfTruth": {"description": "The applicant confirmed their information is true.", "const": True},
        },
    }


def _generic_sample(region: Region) -> dict[str, Any]:
    generic = region.generic
    if generic is None or generic.sample is None:
        return {}
    try:
        found = json.loads(generic.sample.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


_APPLICANT = {
    "kind": "person",
    "givenName": "Erika",
    "familyName": "Mustermann",
    "address": {"street": "Musterstraße", "houseNumber": "12a", "postalCode": "45964", "city": "Gladbeck"},
    "email": "erika.mustermann@example.org",
}


def sample(slug: str, form: dict[str, Any], generic: dict[str, Any], offered: tuple[str, ...]) -> dict[str, Any]:
    """A submission valid against ``form``, from the region's generic sample (its applicant and body)."""
    ags = generic.get("municipality")
    values = {
        "request": f"Antrag: {form['title']}",
        "reason": "Beispielantrag aus `hub services new`",
        "preferredDate": "2026-06-01",
        "declarationOfTruth": True,
    }
    return {
        "service": slug,
        "municipality": ags if ags in offered else offered[0],
        "portalReference": f"{slug[:80]}-0001",
        "applicant": generic.get("applicant") or _APPLICANT,
        "form": {name: values[name] for name in form["properties"] if name in values},
        "attachments": [],
    }


def _service_entry(slug: str, entry: CatalogueEntry, region: Region) -> list[str]:
    generic = region.generic
    assert generic is not None
    source = generic.catalogue.source
    repo = str(source.get("repository", "")).removeprefix("https://github.com/")
    table = re.search(r"table (\w+)", str(source.get("name", "")))
    parts = [f"repo: {repo}", f"commit: {source.get('commit', '')}", f"path: {source.get('path', '')}"]
    parts += [f"table: {table.group(1)}"] if table else []
    parts += [f"id: {entry.source_id}"] if entry.source_id is not None else []
    parts += [f"name: {_q(entry.name)}"]
    return [
        f"# {slug}: scaffolded by `hub services new` from the catalogue entry {entry.leika}",
        f"- id: {slug}",
        f"  name: {_q(entry.name)}",
        f"  form: forms/{slug}.schema.json",
        f'  leika: "{entry.leika}"',
        f"  leikaSource: {{{', '.join(parts)}}}",
        f"  leikaWhy: {_q(SCAFFOLD_WHY)}",
    ]


def _route_entry(slug: str, entry: CatalogueEntry, offered: tuple[str, ...], targets: list[TargetKind]) -> list[str]:
    lines = [f"# {slug}: every body whose offer rule (catalogue.offered) includes {entry.leika}", f"- service: {slug}"]
    rows = [offered[i : i + 8] for i in range(0, len(offered), 8)]
    for number, row in enumerate(rows):
        cells = ", ".join(f'"{a}"' for a in row)
        opening = "  municipalities: [" if number == 0 else "                   "
        lines.append(opening + cells + ("]" if number == len(rows) - 1 else ","))
    lines.append(f"  destinations: [{', '.join(_q(t.destination) for t in targets)}]")
    return lines


def mapping_spec(slug: str, entry: CatalogueEntry, target: TargetKind, form: dict[str, Any], mappings_dir: Path) -> str:
    if target.standard == "xdomea-3.1.0":
        return _xdomea_spec(slug, entry, mappings_dir)
    return _json_spec(slug, entry, target, form)


def _json_spec(slug: str, entry: CatalogueEntry, target: TargetKind, form: dict[str, Any]) -> str:
    """The back office's document: the Vorgang, the applicant (as in the region's other specs), the form's fields."""
    lines = [
        f"# {entry.name} ({entry.leika}) to {target.description}.",
        "# Scaffolded by `hub services new`: one rule per form field under /antrag; rename the targets to",
        "# what the receiving Fachverfahren expects (docs/services.md, the mapping-spec language).",
        f"service: {slug}",
        f"standard: {target.standard}",
        f"description: {_q(entry.name + ' an das Fachverfahren der Kommune')}",
        "attachments: inline",
        "fields:",
        "  - target: /vorgang/art",
        f"    const: {_q(slug.upper().replace('-', '_'))}",
        "  - target: /vorgang/leistung",
        "    source: /service",
        "  - target: /vorgang/leistungsschluessel",
        f'    const: "{entry.leika}"',
        "  - target: /vorgang/gemeindeschluessel",
        "    source: /municipality",
        "  - target: /vorgang/portalReferenz",
        "    source: /portalReference",
        "    optional: true",
        *_applicant_rules(),
    ]
    required = set(form.get("required", []))
    for name, schema in form["properties"].items():
        lines += [f"  - target: /antrag/{name}", f"    source: /form/{name}"]
        if schema.get("format") == "date":
            lines.append("    transform: date_de")
        if name not in required:
            lines.append("    optional: true")
    return "\n".join(lines) + "\n"


_PERSON_OR_ORGANISATION = "codes: {person: NATUERLICHE_PERSON, organisation: ORGANISATION}"
_STREET_AND_NUMBER = "source: [/applicant/address/street, /applicant/address/houseNumber]"


def _applicant_rules() -> list[str]:
    """The applicant as the region's other back-office specs write it (mappings/sperrmuell.fachverfahren-json.yaml)."""
    rules = [
        ("/antragsteller/art", "source: /applicant/kind", _PERSON_OR_ORGANISATION),
        ("/antragsteller/name", "function: mappings.functions:applicant_display_name", None),
        ("/antragsteller/vorname", "source: /applicant/givenName", "optional: true"),
        ("/antragsteller/familienname", "source: /applicant/familyName", "optional: true"),
        ("/antragsteller/organisation", "source: /applicant/organisationName", "optional: true"),
        ("/antragsteller/anschrift/strasseHausnummer", _STREET_AND_NUMBER, 'join: " "'),
        ("/antragsteller/anschrift/postleitzahl", "source: /applicant/address/postalCode", None),
        ("/antragsteller/anschrift/ort", "source: /applicant/address/city", None),
        ("/antragsteller/kontakt/email", "source: /applicant/email", "optional: true"),
        ("/antragsteller/kontakt/telefon", "source: /applicant/phone", "optional: true"),
    ]  # fmt: skip
    lines = []
    for target, producer, extra in rules:
        lines += [f"  - target: {target}", f"    {producer}"] + ([f"    {extra}"] if extra else [])
    return lines


def _xdomea_spec(slug: str, entry: CatalogueEntry, mappings_dir: Path) -> str:
    """The standard's default spec (``any.xdomea-3.1.0.yaml``) as this service's own, to be refined.

    xdomea's frame is the same for every application and the form travels as generic fields, so the
    default is the right start; a copy lets the provider add what this service needs (typed Kontakte,
    an Ablageort, ...). Deleting the file falls back to the default.
    """
    default = mappings_dir / "any.xdomea-3.1.0.yaml"
    try:
        body = default.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ScaffoldRefused(f"{default}: the default xdomea spec to start from cannot be read: {exc}") from exc
    while body and (body[0].startswith("#") or not body[0].strip()):
        body.pop(0)  # the default's own header explains the default, not this service
    replaced = [
        f"service: {slug}" if line.startswith("service:") else
        f"description: {_q(entry.name + ' als xdomea 3.1.0 FVDaten.SGOAblegen.0605 für das DMS')}"
        if line.startswith("description:") else line
        for line in body
    ]  # fmt: skip
    header = [
        f"# {entry.name} ({entry.leika}) as xdomea 3.1.0 FVDaten.SGOAblegen.0605 for the body's DMS.",
        "# Scaffolded by `hub services new` from mappings/any.xdomea-3.1.0.yaml (its header explains the",
        "# message, the `hub` frame the connector adds and the code lists). Refine it for this service, or",
        "# delete it: the default spec then serves the service.",
    ]
    return "\n".join(header + replaced) + "\n"
