"""Loading XML-target mapping specs: the JSON engine's rule vocabulary plus a schema, a root and namespaces.

Each ``target`` is an element path relative to the root (``xbau:antragsteller/xbau:name``), optionally
ending in an attribute (``@version``), or ``.`` for the context element's own text; the top level adds
``schemaSet``, ``schemaEntry``, ``root``, ``namespaces`` and ``withoutSchema: spec-order`` (built in rule
order while the schema set is not installed: :mod:`hub.mapping.xml.spec_order`). The language in full is
docs/services.md ("The mapping-spec language").

The rule keys themselves are parsed by :mod:`hub.mapping.spec` (targets are passed through as escaped
one-token pointers and restored afterwards), so both engines accept exactly the same vocabulary and report
the same structural mistakes. Nothing here looks at the schema: that is :func:`hub.mapping.xml.check_spec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from hub.errors import ConfigError
from hub.mapping import pointer
from hub.mapping.spec import FieldRule, LineNumberingLoader, read_rule

_NCNAME = r"[A-Za-z_][\w.\-]*"
_STEP = re.compile(rf"(?:(?P<prefix>{_NCNAME}):)?(?P<local>{_NCNAME})")
SPEC_ORDER = "spec-order"
"""``withoutSchema: spec-order``: without the schema set, children follow the order of the spec's rules."""
_TOP_KEYS = {
    "service", "standard", "schemaSet", "schemaEntry", "root", "namespaces", "fields", "attachments",
    "description", "withoutSchema", "__line__",
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One step of a target path: an element (or, last, an attribute) named by an optional spec prefix."""

    prefix: str | None
    local: str
    attribute: bool = False

    def __str__(self) -> str:
        name = f"{self.prefix}:{self.local}" if self.prefix else self.local
        return f"@{name}" if self.attribute else name


@dataclass(frozen=True)
class XmlMappingSpec:
    """A loaded (not yet schema-checked) XML-target spec; ``lines`` maps top-level keys to their line."""

    service: str
    standard: str
    path: Path
    schema_set: str
    root: str
    namespaces: dict[str, str]
    fields: tuple[FieldRule, ...]
    schema_entry: str | None = None
    attachments: str = "none"
    description: str = ""
    lines: dict[str, int] = field(default_factory=dict)
    without_schema: str | None = None  # SPEC_ORDER: may be built in spec order when the schema set is missing


def parse_target(target: str) -> tuple[Step, ...]:
    """The steps of an XML target path; ``.`` is the empty path. Raises ``ValueError`` when malformed."""
    if target == ".":
        return ()
    raw_steps = target.split("/")
    steps: list[Step] = []
    for position, raw in enumerate(raw_steps):
        attribute = raw.startswith("@")
        if attribute and position != len(raw_steps) - 1:
            raise ValueError(f"target {target!r}: an attribute step (@...) can only be the last step")
        match = _STEP.fullmatch(raw[1:] if attribute else raw)
        if match is None:
            raise ValueError(f"target {target!r}: {raw!r} is not an element name (prefix:name) or @attribute")
        steps.append(Step(match["prefix"], match["local"], attribute))
    return tuple(steps)


def is_xml_standard(standard: str) -> bool:
    """JSON-target specs name a standard ending in ``-json``; every other standard is an XML target."""
    return not standard.endswith("-json")


def _fail(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError(f"{path}:{line}: {message}")


def _encode_targets(raw: Any, path: Path) -> None:
    """Check each XML target's syntax and wrap it as a one-token JSON pointer for the shared rule parser."""
    if not isinstance(raw, dict):
        return  # the shared parser reports it
    line = int(raw.get("__line__", 0))
    target = raw.get("target")
    if not isinstance(target, str) or not target:
        raise _fail(path, line, f"target must be an element path string, got {target!r}")
    try:
        parse_target(target)
    except ValueError as exc:
        raise _fail(path, line, str(exc)) from exc
    raw["target"] = pointer.join("", target)
    for sub in raw.get("fields") or ():
        _encode_targets(sub, path)


def _decode_targets(rule: FieldRule) -> FieldRule:
    return replace(
        rule,
        target=pointer.parse(rule.target)[0],
        fields=tuple(_decode_targets(r) for r in rule.fields),
    )


def _key_lines(text: str) -> dict[str, int]:
    """Lines of the top-level keys (the YAML loader only records where mappings start)."""
    lines: dict[str, int] = {}
    for number, content in enumerate(text.splitlines(), start=1):
        match = re.match(r"([A-Za-z]\w*)\s*:", content)
        if match:
            lines.setdefault(match[1], number)
    return lines


def load_xml_spec(path: Path) -> XmlMappingSpec:
    """Load an XML-target spec; structural mistakes raise :class:`ConfigError` as ``file:line: message``."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.load(text, Loader=LineNumberingLoader)  # noqa: S506 (safe loader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a mapping spec is a YAML mapping")
    lines = _key_lines(text)
    for key in ("service", "standard", "schemaSet", "root", "namespaces", "fields"):
        if key not in raw:
            raise _fail(path, 1, f"missing top-level key {key!r}")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise _fail(path, lines.get(sorted(unknown)[0], 1), f"unknown top-level key(s) {sorted(unknown)}")
    namespaces = raw["namespaces"]
    if not isinstance(namespaces, dict) or not all(
        isinstance(v, str) for k, v in namespaces.items() if k != "__line__"
    ):
        raise _fail(path, lines.get("namespaces", 1), "'namespaces' must map prefixes to namespace URIs")
    if not isinstance(raw["fields"], list):
        raise _fail(path, lines.get("fields", 1), "'fields' must be a list")
    attachments = raw.get("attachments", "none")
    if attachments not in ("none", "inline"):
        raise _fail(path, lines.get("attachments", 1), f"attachments must be 'none' or 'inline', got {attachments!r}")
    root = str(raw["root"])
    try:
        (root_step,) = parse_target(root)
        if root_step.attribute:
            raise ValueError(f"root {root!r} must be an element")
    except ValueError as exc:
        raise _fail(path, lines.get("root", 1), f"root {root!r} is not one element name: {exc}") from exc
    for rule in raw["fields"]:
        _encode_targets(rule, path)
    without_schema = raw.get("withoutSchema")
    if without_schema not in (None, SPEC_ORDER):
        raise _fail(
            path,
            lines.get("withoutSchema", 1),
            f"withoutSchema must be {SPEC_ORDER!r} (or absent), got {without_schema!r}",
        )
    entry = raw.get("schemaEntry")
    return XmlMappingSpec(
        service=str(raw["service"]),
        standard=str(raw["standard"]),
        path=path,
        schema_set=str(raw["schemaSet"]),
        root=root,
        namespaces={str(k): str(v) for k, v in namespaces.items() if k != "__line__"},
        fields=tuple(_decode_targets(read_rule(r, path)) for r in raw["fields"]),
        schema_entry=str(entry) if entry is not None else None,
        attachments=str(attachments),
        description=str(raw.get("description", "")),
        lines=lines,
        without_schema=without_schema,
    )
