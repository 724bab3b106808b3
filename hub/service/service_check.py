"""``hub services check``: every service of the region, from its form to a message each destination takes.

Per service: the form schema is a valid JSON Schema (Draft 2020-12); the sample is valid against it;
every route resolves to destinations; the LeiKa key is in the catalogue (those file checks are
:mod:`hub.service.config_files`); each mapping spec its routes need exists, reads only fields the form
defines, has a code for every ``enum`` value of a field it translates, maps every required field
(JSON targets) and is bound to its official schema (XML targets).
Then the sample goes through the real intake (:class:`~hub.service.intake.Intake`) once per kind of
destination, with the connectors' own ``build``: envelope, form, cross checks, attachments, mapping
and the validation of the result against the target's schema (the XSD, FIT-Connect's data schema),
exactly as a portal's submission would, only nothing is stored or sent.

Every problem is a :class:`~hub.service.config_files.Problem`, ``file:line: message``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.connectors.base import Destination
from hub.domain.tenancy import ApiClient
from hub.errors import ConfigError, FieldProblem, RoutingError
from hub.mapping.catalog import MappingCatalog
from hub.mapping.spec import FieldRule
from hub.mapping.xml import check_spec, is_xml_standard
from hub.routing.region import Region, Service, load_region
from hub.routing.router import Router
from hub.scanning.none import NoScanner
from hub.schemas import SchemaCatalog
from hub.service.config_files import (
    Problem,
    RegionText,
    catalogue_of,
    read_json,
    read_region_text,
    route_problems,
    service_file_problems,
)
from hub.service.intake import DestinationUnavailable, Intake, InvalidSubmission
from hub.service.ports import MessageBuilders
from hub.service.region_text import file_pointer_line, item_lines
from hub.store.submissions import NewSubmission

_LOCATED = re.compile(r"^(?P<path>/[^:]+?):(?P<line>\d+): (?P<message>.*)$", re.S)
_CHECKER = ApiClient("services-check", "hub services check", frozenset({"*"}), None, frozenset(), None, None)


@dataclass
class CheckReport:
    services: int = 0
    deliveries_built: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def located(error: Exception, fallback: Path) -> Problem:
    """A ConfigError whose text starts ``file:line:`` (the spec loaders' way) as a Problem at that place."""
    found = _LOCATED.match(str(error))
    if found:
        return Problem(found["path"], int(found["line"]), found["message"])
    return Problem(str(fallback), 1, str(error))


def check_services(
    config_dir: Path,
    mappings_dir: Path,
    schemas: SchemaCatalog,
    builders_for: Callable[[MappingCatalog], MessageBuilders],
) -> CheckReport:
    """Check every service of the region in ``config_dir`` against the specs in ``mappings_dir``."""
    report = CheckReport()
    text, problems = read_region_text(config_dir)
    report.problems += problems
    if text is None:
        return report
    services = [s for s in text.raw.get("services") or [] if isinstance(s, dict)]
    report.services = len(services)
    catalogue, problems = catalogue_of(text)
    files = service_file_problems(text, services, catalogue)
    report.problems += problems + files.problems + route_problems(text)
    try:
        region = load_region(config_dir)
        mappings = MappingCatalog.load(mappings_dir)
    except ConfigError as exc:
        if not report.problems:  # else the loader only repeats (the first of) what is reported already
            report.problems.append(located(exc, text.path))
        return _sorted(report)
    _ServiceChecks(text, region, mappings, schemas, builders_for(mappings), report).run(files.broken)
    return _sorted(report)


def _sorted(report: CheckReport) -> CheckReport:
    report.problems = sorted(set(report.problems))
    return report


class _Discarded:
    """The intake's store in a dry run: a submission that passed every check is dropped, not stored."""

    def create(self, new: NewSubmission) -> None:
        return None

    def find_by_key(self, client_id: str, key: str) -> tuple[str, str] | None:
        return None


class _Quiet:
    def nudge(self, pairs: Iterable[tuple[str, str]], at: datetime | None = None) -> None:
        return None


class _Only:
    """The route table restricted to one destination, so each destination's build is checked on its own."""

    def __init__(self, router: Router, destination: Destination) -> None:
        self.router = router
        self.destination = destination

    def service(self, service_id: str) -> Service:
        return self.router.service(service_id)

    def destinations(self, service_id: str, ags: str) -> list[Destination]:
        return [self.destination]


class _ServiceChecks:
    def __init__(
        self,
        text: RegionText,
        region: Region,
        mappings: MappingCatalog,
        schemas: SchemaCatalog,
        builders: MessageBuilders,
        report: CheckReport,
    ) -> None:
        self.text, self.region, self.mappings, self.schemas = text, region, mappings, schemas
        self.builders, self.report = builders, report
        self.router = Router(region)
        self.route_lines = item_lines(text.tree, "routes", "service")

    def problem(self, path: Path | str, line: int, message: str) -> None:
        self.report.problems.append(Problem(str(path), line, message))

    def run(self, broken: set[str]) -> None:
        for service in self.region.services.values():
            if service.id in broken:
                continue  # its form or sample is reported already; mapping it would only repeat that
            sample_path = self.text.path.parent / "samples" / f"{service.id}.json"
            sample, _, problems = read_json(sample_path, "sample")
            if problems or not isinstance(sample, dict) or service.form is None:
                continue  # reported by the file checks
            standards = self.specs(service)
            for destination, ags in self.one_per_kind(service, sample, sample_path):
                if destination.standard is None or destination.standard in standards:
                    self.dry_run(service, {**sample, "municipality": ags}, destination, sample_path)

    def routed(self, service: Service) -> dict[str, tuple[str, ...]]:
        return {ags: route.destinations for (sid, ags), route in self.region.routes.items() if sid == service.id}

    def one_per_kind(
        self, service: Service, sample: dict[str, Any], sample_path: Path
    ) -> Iterator[tuple[Destination, str]]:
        """One destination of each (connector, standard) the service is routed to, the sample's body first."""
        routed = self.routed(service)
        own = str(sample.get("municipality"))
        if routed and own not in routed:
            line = file_pointer_line(sample_path, "/municipality")
            self.problem(sample_path, line, f"the sample's municipality {own} has no route for {service.id!r}")
        seen: set[tuple[str, str | None]] = set()
        for ags in sorted(routed, key=lambda a: (a != own, a)):
            for destination_id in routed[ags]:
                destination = self.region.destinations[destination_id]
                kind = (destination.connector, destination.standard)
                if kind not in seen:
                    seen.add(kind)
                    yield destination, ags

    def specs(self, service: Service) -> set[str]:
        """The standards of the service's routes whose spec exists; a problem for each missing one."""
        found: set[str] = set()
        line = self.route_lines.get(service.id, [1])[0]
        standards = {self.region.destinations[d].standard for r in self.routed(service).values() for d in r}
        for standard in sorted(s for s in standards if s):
            if is_xml_standard(standard):
                xml = self.mappings.xml_spec(service.id, standard)
                if xml is not None:
                    self.report.problems += [
                        Problem(str(p.file), p.line, p.message) for p in check_spec(xml, self.schemas)
                    ]
                    self.form_fields(service, xml.path, xml.fields)
                    found.add(standard)
                    continue
            elif (service.id, standard) in self.mappings:
                spec = self.mappings.get(service.id, standard)
                self.form_fields(service, spec.path, spec.fields)
                self.required_fields(service, spec.path, spec.fields)
                found.add(standard)
                continue
            message = (
                f"service {service.id!r} is routed to {standard} but has no mapping spec ({service.id}.{standard}.yaml)"
            )
            self.problem(self.text.path, line, message)
        return found

    def form_fields(self, service: Service, spec_path: Path, rules: tuple[FieldRule, ...], base: str = "") -> None:
        """Every ``/form/...`` a rule reads is a field of the form: else the rule can never find its value."""
        assert service.form is not None
        for rule in rules:
            reads = [*rule.source, *(p for p in (rule.when, rule.pointer, rule.each) if p)]
            for pointer in (base + p for p in reads):
                if pointer.startswith("/form/") and not _defines(service.form.schema, pointer.split("/")[2:]):
                    form = Path(service.form.source).name
                    message = f"reads {pointer}, which the form of {service.id!r} ({form}) does not define"
                    self.problem(spec_path, rule.line, message)
            if rule.codes is not None and rule.source:
                self.code_list(service, spec_path, rule, base + rule.source[0])
            if rule.each is not None:
                self.form_fields(service, spec_path, rule.fields, base + rule.each + "/0")

    def code_list(self, service: Service, spec_path: Path, rule: FieldRule, pointer: str) -> None:
        """A ``codes`` rule on a form field with an ``enum`` has a code for every value the form allows."""
        assert service.form is not None
        assert rule.codes is not None
        node = _property(service.form.schema, pointer.split("/")[2:]) if pointer.startswith("/form/") else None
        enum = node.get("enum") if isinstance(node, dict) else None
        missing = sorted({str(v).lower() if isinstance(v, bool) else str(v) for v in enum or []} - set(rule.codes))
        if missing:
            self.problem(spec_path, rule.line, f"codes for {pointer} lack the form's values {', '.join(missing)}")

    def required_fields(self, service: Service, spec_path: Path, rules: tuple[FieldRule, ...]) -> None:
        """A JSON-target spec maps every field the form requires: else the receiver never sees it."""
        assert service.form is not None
        read = [
            p for r in rules for p in (*r.source, *((r.each,) if r.each else ()), *((r.pointer,) if r.pointer else ()))
        ]
        for name in service.form.schema.get("required", []):
            field = f"/form/{name}"
            if not any(p == field or p.startswith(field + "/") for p in read):
                self.problem(spec_path, 1, f"maps no rule from {field}, which the form of {service.id!r} requires")

    def dry_run(self, service: Service, envelope: dict[str, Any], destination: Destination, sample_path: Path) -> None:
        intake = Intake(_Only(self.router, destination), self.builders, _Discarded(), _Quiet(), NoScanner())
        try:
            intake.accept(_CHECKER, envelope, None)
        except InvalidSubmission as exc:
            for p in exc.problems:
                self.sample_problem(sample_path, destination, p)
        except (DestinationUnavailable, RoutingError) as exc:
            self.report.notes.append(f"{sample_path}: note: {destination.id} not built here, so not checked: {exc}")
        else:
            self.report.deliveries_built += 1

    def sample_problem(self, sample_path: Path, destination: Destination, problem: FieldProblem) -> None:
        line = file_pointer_line(sample_path, problem.pointer)
        where = f"{problem.pointer}: " if problem.pointer else ""
        self.problem(sample_path, line, f"{where}{problem.message} (for {destination.id}, {destination.standard})")


def _property(schema: Any, tokens: list[str]) -> Any:
    """The schema of the form's field at ``tokens`` (``properties`` and ``items`` only), else None."""
    node = schema
    for token in tokens:
        if not isinstance(node, dict):
            return None
        node = node.get("items") if token.isdigit() else (node.get("properties") or {}).get(token)
    return node


def _defines(schema: Any, tokens: list[str]) -> bool:
    """Whether the JSON Schema ``schema`` can hold a value at ``tokens``; True where it cannot tell ($ref, oneOf)."""
    node = schema
    for token in tokens:
        if not isinstance(node, dict):
            return True
        if any(k in node for k in ("$ref", "oneOf", "anyOf", "allOf", "if", "patternProperties")):
            return True
        if token.isdigit() and "items" in node:
            node = node["items"]
        elif token in (node.get("properties") or {}):
            node = node["properties"][token]
        else:
            return node.get("additionalProperties", True) is not False and "properties" not in node
    return True
