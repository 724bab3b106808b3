"""A stored message checked again, for an operator: against which schema set, and what it found.

Intake validated every XÖV message before storing it; this re-runs the same checks on the stored
bytes so a submission's trace can show its validation report (and would show if a schema set
changed since). JSON messages were checked by their mapping spec at intake and are reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.mapping.catalog import MappingCatalog
from hub.routing.region import Region
from hub.schemas import SchemaCatalog, SchemaNotInstalled
from hub.xml import XmlError, parse_xml


@dataclass(frozen=True)
class ValidationReport:
    """``checks`` names what was run; ``problems`` lists what failed (empty: valid); ``note`` says why not."""

    checks: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())
    note: str | None = None

    @property
    def valid(self) -> bool:
        return bool(self.checks) and not self.problems


def validation_report(
    region: Region,
    mappings: MappingCatalog,
    schemas: SchemaCatalog | None,
    *,
    destination_id: str,
    service: str,
    media_type: str,
    payload: bytes,
) -> ValidationReport:
    destination = region.destinations.get(destination_id)
    standard = destination.standard if destination is not None else None
    if "xml" not in media_type:
        return ValidationReport(note=f"{media_type}: mapped by the {standard or 'destination'} spec at intake")
    spec = mappings.xml_spec(service, standard) if standard else None
    if spec is None:
        return ValidationReport(note="built by the destination's own builder: no schema named")
    if schemas is None:
        return ValidationReport(note="the hub runs without a schema catalog (HUB_SCHEMA_PATH)")
    try:
        schemas.get(spec.schema_set)
    except SchemaNotInstalled:
        return ValidationReport(note=f"schema set {spec.schema_set} is not installed: built in spec order, unchecked")
    try:
        root = parse_xml(payload)
    except XmlError as exc:
        return ValidationReport(checks=("well-formed XML",), problems=(str(exc),))
    checks = [f"XSD {spec.schema_set}" + (f" ({spec.schema_entry})" if spec.schema_entry else "")]
    problems = [str(p) for p in schemas.validator(spec.schema_set, spec.schema_entry).validate(root)]
    rules = schemas.schematron(spec.schema_set)
    if rules is not None:
        checks.append(f"Schematron {spec.schema_set} ({len(rules.files)} file(s))")
        problems += [str(p) for p in rules.validate(root)]
    return ValidationReport(checks=tuple(checks), problems=tuple(problems))
