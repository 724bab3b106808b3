"""The file checks of ``hub services check`` that need no loaded region: YAML, form schemas, samples, routes.

They run on ``region.yaml`` as written, before the region is loaded, because the loader stops at the
first broken file; here every broken file is reported, each at its line. What needs the loaded
region (the catalogue, mapping a sample for its destinations) is :mod:`hub.service.service_check`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from hub.catalogue import Catalogue, load_catalogue
from hub.errors import ConfigError
from hub.routing.forms import FormSchema
from hub.service.region_text import child, compose, line_of, pointer_line

LEIKA = re.compile(r"\d{14}")


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake, located like a compiler error so that editors can jump to it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class RegionText:
    """``region.yaml`` read twice: its values (PyYAML) and its node tree (for lines)."""

    path: Path
    raw: dict[str, Any]
    tree: yaml.Node | None

    def line(self, *keys: str | int) -> int:
        node = self.tree
        for key in keys:
            node = child(node, key)
        return line_of(node)

    def problem(self, message: str, *keys: str | int) -> Problem:
        return Problem(str(self.path), self.line(*keys), message)


def read_region_text(directory: Path) -> tuple[RegionText | None, list[Problem]]:
    path = directory / "region.yaml"
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
    except OSError as exc:
        return None, [Problem(str(path), 1, f"cannot read: {exc}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(str(path), mark.line + 1 if mark else 1, f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [Problem(str(path), 1, "region.yaml must be a YAML mapping")]
    return RegionText(path, raw, compose(text)), []


def read_json(path: Path, what: str) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """The JSON file's value and node tree; a problem at the line where it stops being JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, None, [Problem(str(path), 1, f"cannot read the {what}: {exc.strerror or exc}")]
    try:
        return json.loads(text), compose(text), []
    except json.JSONDecodeError as exc:
        return None, None, [Problem(str(path), exc.lineno, f"the {what} is not valid JSON: {exc.msg}")]


def form_problems(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The form schema if it is a valid JSON Schema (Draft 2020-12), else the problems."""
    schema, tree, problems = read_json(path, "form schema")
    if problems:
        return None, problems
    if not isinstance(schema, dict):
        return None, [Problem(str(path), 1, "a form schema is a JSON object")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        at = "".join(f"/{p}" for p in exc.path)
        return None, [Problem(str(path), pointer_line(tree, at), f"not a valid JSON Schema (2020-12): {exc.message}")]
    return schema, []


def catalogue_of(text: RegionText) -> tuple[Catalogue | None, list[Problem]]:
    """The catalogue ``catalogue.file`` names, which every service's LeiKa key must be in."""
    section = text.raw.get("catalogue")
    if not isinstance(section, dict) or not section.get("file"):
        return None, [
            text.problem("the region has no service catalogue (catalogue.file): LeiKa keys cannot be checked")
        ]
    try:
        return load_catalogue(text.path.parent / str(section["file"])), []
    except ConfigError as exc:
        return None, [text.problem(str(exc), "catalogue", "file")]


@dataclass
class ServiceFiles:
    """What the file checks found: the problems, and the services whose sample is not worth mapping."""

    problems: list[Problem]
    broken: set[str]


def service_file_problems(text: RegionText, services: list[Any], catalogue: Catalogue | None) -> ServiceFiles:
    """Every service entry: an id, a key in the catalogue, a valid form schema, a sample that is valid against it."""
    found = ServiceFiles([], set())
    for index, raw in enumerate(services):
        if not isinstance(raw, dict) or not raw.get("id"):
            found.problems.append(text.problem("a service needs an id", "services", index))
            continue
        sid = str(raw["id"])
        problems = _leika_problems(text, index, sid, raw.get("leika"), catalogue) + _form_and_sample(
            text, index, sid, raw
        )
        found.problems += problems
        if problems:
            found.broken.add(sid)
    return found


def _leika_problems(text: RegionText, index: int, sid: str, leika: Any, catalogue: Catalogue | None) -> list[Problem]:
    if not leika:
        return [text.problem(f"service {sid!r} has no LeiKa key (leika:)", "services", index)]
    if not LEIKA.fullmatch(str(leika)):
        return [text.problem(f"service {sid!r}: leika {leika!r} is not 14 digits", "services", index, "leika")]
    if catalogue is not None and catalogue.get(str(leika)) is None:
        message = f"service {sid!r}: LeiKa key {leika} is not in the catalogue ({len(catalogue)} entries)"
        return [text.problem(message, "services", index, "leika")]
    return []


def _form_and_sample(text: RegionText, index: int, sid: str, raw: dict[str, Any]) -> list[Problem]:
    directory = text.path.parent
    if not raw.get("form"):
        return [text.problem(f"service {sid!r} has no form schema (form:)", "services", index)]
    form_path = directory / str(raw["form"])
    if not form_path.is_file():
        return [text.problem(f"service {sid!r}: form {form_path} does not exist", "services", index, "form")]
    schema, problems = form_problems(form_path)
    sample_path = directory / "samples" / f"{sid}.json"
    sample, tree, found = read_json(sample_path, "sample")
    problems += found
    if found or schema is None:
        return problems
    if not isinstance(sample, dict) or sample.get("service") != sid:
        return [
            *problems,
            Problem(str(sample_path), pointer_line(tree, "/service"), f"the sample must name service {sid!r}"),
        ]
    # The form as intake checks it (the same validator, the same messages), each at its line in the sample.
    for p in FormSchema(schema, str(form_path)).problems(sample.get("form")):
        where = f"{p.pointer}: " if p.pointer else ""
        problems.append(
            Problem(str(sample_path), pointer_line(tree, p.pointer), f"{where}{p.message} (form {form_path.name})")
        )
    return problems


def _expanded(template: str, munis: dict[str, dict[str, Any]], ags: str) -> str:
    m = munis[ags]
    filled = template.replace("{slug}", str(m.get("slug", ""))).replace("{ags}", ags)
    return filled.replace("{name}", str(m.get("name", ""))).replace("{ars}", str(m.get("ars", "")))


def route_problems(text: RegionText) -> list[Problem]:
    """Every route names a known service and municipalities, and each destination resolves for each of them;
    every service has at least one route."""
    raw = text.raw
    munis = {str(m.get("ags")): m for m in raw.get("municipalities") or [] if isinstance(m, dict)}
    known = {
        _expanded(str(t.get("id", "")), munis, ags)
        for t in raw.get("destinationTemplates") or []
        if isinstance(t, dict)
        for ags in munis
    } | {str(d.get("id")) for d in raw.get("destinations") or [] if isinstance(d, dict)}
    services = [s for s in raw.get("services") or [] if isinstance(s, dict)]
    ids = {str(s.get("id")) for s in services}
    routed: set[str] = set()
    problems: list[Problem] = []
    for index, route in enumerate(raw.get("routes") or []):
        service = str(route.get("service")) if isinstance(route, dict) else "?"
        if service not in ids:
            problems.append(text.problem(f"route for unknown service {service!r}", "routes", index))
            continue
        routed.add(service)
        which = route.get("municipalities", "all")
        agss = list(munis) if which == "all" else [str(a) for a in which or []]
        for ags in agss:
            if ags not in munis:
                problems.append(text.problem(f"route of {service!r} names unknown municipality {ags}", "routes", index))
                continue
            for template in route.get("destinations") or []:
                dest = _expanded(str(template), munis, ags)
                if dest not in known:
                    message = f"route of {service!r} for {ags}: destination {dest!r} does not resolve"
                    problems.append(text.problem(message, "routes", index, "destinations"))
    for index, s in enumerate(services):
        if str(s.get("id")) not in routed:
            message = f"service {s.get('id')!r} has no route: no municipality can receive it (add one under routes:)"
            problems.append(text.problem(message, "services", index))
    return problems
