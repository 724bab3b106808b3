"""The submission body's JSON Schema, one branch per service, built from the loaded region.

``POST /v1/submissions`` takes a ``oneOf`` over the services, ``service`` the discriminator: each
branch carries the service's own form schema (the very one intake validates the form with) and the
municipalities (AGS) that offer the service. A client generated from the document thus types every
service's form, and a property-based tool generates submissions the hub accepts.

The route validates each body against its branch before intake runs, so the document and the hub
cannot drift: whatever the branch forbids is refused, even where the envelope model alone would
be lenient (it strips whitespace and coerces dates, for one).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.api import catalogued_branch as catalogued
from hub.domain.envelope import SubmissionRequest
from hub.errors import FieldProblem
from hub.routing.forms import FormSchema
from hub.routing.region import Region, Service
from hub.service.attachment_types import DEFAULT_ALLOWED_TYPES, canonical

REF_PREFIX = "#/components/schemas/"
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
MEDIA_TYPE = r"^[A-Za-z0-9_.+-]+/[A-Za-z0-9_.+-]+$"
NO_NUL = r"^[^\x00]*$"
CROSS_CHECKS = "x-cross-checks"
"""Extension on a service's branch: the checks a schema cannot express (one date not before another,
an Anlage naming a posted attachment), in the form region.yaml declares them."""
# The envelope's ShortText: stripped of whitespace, then 1 to 200 characters.
_SHORT_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
"""Whitespace by every reader's definition at once (ECMA-262 ``\\s``, Rust's ``White_Space`` that the
envelope model's patterns use, Python's ``str.strip``): ``\\s`` means something else to each."""


def branch_name(service: str) -> str:
    return f"Submission-{service}"


def form_name(service: str) -> str:
    return f"Form-{service}"


def _walk(node: Any, visit: Any) -> Any:
    if isinstance(node, dict):
        node = visit(node)
        return {k: _walk(v, visit) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, visit) for v in node]
    return node


def _excludes_nul(pattern: str) -> bool:
    """Whether an anchored pattern of plain classes (``^[0-9]{8}$``) already keeps NUL out; a guess on
    the safe side: a pattern it cannot judge gets the rule added."""
    anchored = pattern.startswith("^") and pattern.endswith("$")
    return anchored and not any(
        wide in pattern for wide in (".", "[^", "\\S", "\\W", "\\D", "\\P", "\\x", "\\u", "\\0")
    )


def _no_nul(node: dict[str, Any]) -> dict[str, Any]:
    # Intake refuses U+0000 in any string (PostgreSQL and XML cannot carry it); the document says so.
    if node.get("type") != "string" or "enum" in node or "const" in node or "format" in node:
        return node
    pattern = node.get("pattern")
    if pattern is None:
        return {**node, "pattern": NO_NUL}
    if _excludes_nul(pattern):
        return node
    return {**node, "allOf": [*node.get("allOf", []), {"pattern": NO_NUL}]}


def _short_text_needs_a_letter(node: dict[str, Any]) -> dict[str, Any]:
    # " " passes minLength but is empty once stripped: say so with a pattern.
    if {k: v for k, v in node.items() if k in _SHORT_TEXT} == _SHORT_TEXT and "pattern" not in node:
        return {**node, "pattern": f"[^{WHITESPACE}]"}
    pattern = node.get("pattern")
    if isinstance(pattern, str) and "\\s]" in pattern:
        # The model's e-mail pattern: [^@\s] excludes whitespace; say which, for every reader alike.
        return {**node, "pattern": pattern.replace("\\s]", f"{WHITESPACE}]")}
    return node


def _names_by_kind() -> list[dict[str, Any]]:
    """The envelope model's check that a person has both names and an organisation its name."""
    text = {"type": "string"}

    def when(kind: str, names: list[str]) -> dict[str, Any]:
        return {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"required": names, "properties": dict.fromkeys(names, text)},
        }

    return [when("person", ["givenName", "familyName"]), when("organisation", ["organisationName"])]


def envelope_components() -> dict[str, Any]:
    """Address, Applicant, Attachment and the service-independent SubmissionRequest, as served."""
    schema = SubmissionRequest.model_json_schema(by_alias=True, ref_template=REF_PREFIX + "{model}")
    defs: dict[str, Any] = _walk(schema.pop("$defs", {}), _short_text_needs_a_letter)
    defs["Applicant"]["allOf"] = _names_by_kind()
    attachment = defs["Attachment"]["properties"]
    attachment["content"] = {**attachment["content"], "pattern": BASE64, "contentEncoding": "base64"}
    attachment["mediaType"] = {**attachment["mediaType"], "pattern": MEDIA_TYPE}
    attachment["sha256"]["description"] = "SHA-256 of the decoded content, hex."
    served = {"SubmissionRequest": _walk(schema, _short_text_needs_a_letter), **defs}
    return {name: _walk(node, _no_nul) for name, node in served.items()}


def _relocated_form(service: str, form: dict[str, Any]) -> dict[str, Any]:
    """The form's schema with its ``$defs`` moved beside it in ``components`` (refs rewritten)."""
    prefix = f"{form_name(service)}-"

    def rewrite(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return {**node, "$ref": REF_PREFIX + prefix + ref.removeprefix("#/$defs/")}
        return node

    body = {k: v for k, v in copy.deepcopy(form).items() if k not in ("$schema", "$id")}
    defs = body.pop("$defs", {})
    out = {form_name(service): _walk(_walk(body, rewrite), _no_nul)}
    out.update({prefix + name: _walk(_walk(d, rewrite), _no_nul) for name, d in defs.items()})
    return out


@dataclass(frozen=True)
class SubmissionContract:
    """The branches of the region's services and their validators."""

    components: dict[str, Any]
    """Everything the body schema refers to, ``SubmissionRequest`` (the ``oneOf``) included."""
    services: tuple[str, ...]
    examples: dict[str, Any]
    """One valid submission per service that has a sample (OpenAPI ``examples``: name -> {value})."""
    _validators: dict[str, FormSchema]
    _routes: frozenset[tuple[str, str]]
    _region: Region | None = None
    """Set when the region has a catalogue: the generic branch answers for ``leika-<key>``."""

    def problems(self, body: Any) -> list[FieldProblem] | None:
        """The branch's errors, or ``None`` when no branch applies (intake then names the missing route)."""
        if not isinstance(body, dict):
            return None
        service, municipality = body.get("service"), body.get("municipality")
        if not isinstance(service, str) or not isinstance(municipality, str):
            return None
        if (service, municipality) in self._routes:
            return self._validators[service].problems(body, base="")
        if self._region is not None and catalogued.offered(self._region, service, municipality):
            return self._validators[catalogued.NAME].problems(body, base="")
        return None


def envelope_model_rejects(body: Any) -> bool:
    """Whether the envelope model refuses the body too: intake then answers with its own, established
    messages; the branch's errors are the answer only where the model alone would be lenient."""
    try:
        SubmissionRequest.model_validate(body)
    except ValidationError:
        return True
    return False


def build_contract(region: Region) -> SubmissionContract:
    envelope = envelope_components()
    components: dict[str, Any] = {k: v for k, v in envelope.items() if k != "SubmissionRequest"}
    offered: dict[str, list[str]] = {}
    for (service, ags), route in region.routes.items():
        if route.destinations and service in region.services:
            offered.setdefault(service, []).append(ags)
    services = tuple(sorted(offered))
    for service in services:
        form = region.services[service].form
        if form is not None:
            components.update(_relocated_form(service, form.schema))
        else:
            components[form_name(service)] = {"type": "object"}
        components[f"Attachment-{service}"] = _attachment(components["Attachment"], region.services[service])
        branch = _branch(envelope["SubmissionRequest"], service, sorted(offered[service]))
        declared = _cross_checks(region.services[service])
        if declared:
            branch[CROSS_CHECKS] = declared
        components[branch_name(service)] = branch
    validators = {
        s: FormSchema({"$ref": REF_PREFIX + branch_name(s), "components": {"schemas": components}}, branch_name(s))
        for s in services
    }
    routes = frozenset((s, ags) for s in services for ags in offered[s])
    if region.generic is not None:
        validators[catalogued.NAME] = _catalogued_branch(region, envelope, components)
    components["SubmissionRequest"] = _one_of(envelope["SubmissionRequest"], services, region.generic is not None)
    examples = {}
    for service in services:
        example = _sample(region.services[service], sorted(offered[service]))
        if example is not None and not validators[service].problems(example, base=""):
            examples[service] = {"summary": region.services[service].name, "value": example}
    generic_region = region if region.generic is not None else None
    contract = SubmissionContract(components, services, examples, validators, routes, generic_region)
    if region.generic is not None and region.generic.sample is not None:
        example = _generic_sample(region.generic.sample)
        if example is not None and contract.problems(example) == []:
            examples[catalogued.NAME] = {"summary": "Any catalogued service (generic form)", "value": example}
    return contract


def _generic_sample(path: Path) -> dict[str, Any] | None:
    try:
        sample = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return sample if isinstance(sample, dict) else None


def _catalogued_branch(region: Region, envelope: dict[str, Any], components: dict[str, Any]) -> FormSchema:
    """Adds the generic path's branch to ``components``; its validator."""
    assert region.generic is not None
    service = catalogued.catalogued_service(region.generic)
    assert service.form is not None
    name = catalogued.NAME
    components.update(_relocated_form(name, service.form.schema))
    components[f"Attachment-{name}"] = _attachment(components["Attachment"], service)
    branch = _branch(envelope["SubmissionRequest"], name, sorted(region.municipalities))
    branch["properties"]["service"] = catalogued.service_property()
    declared = _cross_checks(service)
    if declared:
        branch[CROSS_CHECKS] = declared
    components[branch_name(name)] = branch
    return FormSchema(
        {"$ref": REF_PREFIX + branch_name(name), "components": {"schemas": components}}, branch_name(name)
    )


def _cross_checks(service: Service) -> list[Any]:
    """The service's cross-field checks as declared (docs/cross-checks.md): intake applies them after
    the schema, so a client must know them too."""
    if service.checks is None:
        return []
    try:
        declared = yaml.safe_load(Path(service.checks.source).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    checks = declared.get("checks") if isinstance(declared, dict) else None
    return checks if isinstance(checks, list) else []


def _sample(service: Service, municipalities: list[str]) -> dict[str, Any] | None:
    """The region's sample of the service (``samples/<service>.json`` beside the ``forms/`` directory),
    addressed to a municipality that offers it here."""
    if service.form is None:
        return None
    path = Path(service.form.source).parent.parent / "samples" / f"{service.id}.json"
    try:
        sample = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(sample, dict):
        return None
    if sample.get("municipality") not in municipalities:
        sample["municipality"] = municipalities[0]
    return sample


def _attachment(generic: dict[str, Any], service: Service) -> dict[str, Any]:
    """An attachment of this service: its media type one of those the service takes."""
    allowed = sorted({canonical(t) for t in (service.attachment_types or DEFAULT_ALLOWED_TYPES)})
    properties = {**generic["properties"], "mediaType": {"type": "string", "enum": allowed}}
    return {**generic, "title": f"Attachment of {service.id}", "properties": properties}


def _one_of(envelope: dict[str, Any], services: tuple[str, ...], catalogued_branch: bool = False) -> dict[str, Any]:
    """The envelope's required members and a ``oneOf`` over the services, ``service`` telling which.

    With the generic path's branch, whose ``service`` is a pattern, there is no discriminator: a
    discriminator's mapping names values, and one it does not name would send a client generator
    looking for a schema called like the value. The branches stay disjoint (``const`` service ids
    against the ``leika-`` pattern), so ``oneOf`` alone picks the branch.
    """
    refs = {s: REF_PREFIX + branch_name(s) for s in services}
    one_of = [{"$ref": ref} for ref in refs.values()]
    if catalogued_branch:
        one_of.append({"$ref": REF_PREFIX + branch_name(catalogued.NAME)})
    document: dict[str, Any] = {
        "title": "SubmissionRequest",
        "description": envelope.get("description", ""),
        "type": "object",
        "required": envelope["required"],
        "oneOf": one_of,
    }
    if not catalogued_branch:
        document["discriminator"] = {"propertyName": "service", "mapping": refs}
    return document


def _branch(envelope: dict[str, Any], service: str, municipalities: list[str]) -> dict[str, Any]:
    properties = dict(envelope["properties"])
    properties["service"] = {"const": service}
    properties["municipality"] = {
        **properties["municipality"],
        "enum": municipalities,
        "description": "AGS of a municipality that offers this service through the hub.",
    }
    properties["form"] = {"$ref": REF_PREFIX + form_name(service)}
    properties["attachments"] = {**properties["attachments"], "items": {"$ref": f"{REF_PREFIX}Attachment-{service}"}}
    branch = {k: v for k, v in envelope.items() if k != "description"}
    return {**branch, "title": f"Submission of {service}", "properties": properties}
