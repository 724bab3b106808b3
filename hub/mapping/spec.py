"""Loading and checking declarative mapping specs (one YAML file per service and target standard).

A spec is a list of field rules; each rule produces one target value from a constant, one or more
source pointers, a repeated group (``each``) or a named Python function. Structural mistakes are
reported with the file and the rule's line when the spec is loaded, not when a submission arrives.
The language in full (every key, the order a rule is evaluated in, the transforms): docs/services.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.errors import ConfigError
from hub.mapping import pointer
from hub.mapping.transforms import TRANSFORMS

_RULE_KEYS = {
    "target", "source", "const", "each", "fields", "function", "transform", "join",
    "optional", "when", "codes", "default", "pointer",
}  # fmt: skip


@dataclass(frozen=True)
class FieldRule:
    target: str
    line: int
    source: tuple[str, ...] = ()
    const: Any = None
    has_const: bool = False
    each: str | None = None
    fields: tuple[FieldRule, ...] = ()
    function: Callable[[dict[str, Any]], Any] | None = None
    transform: Callable[[Any], Any] | None = None
    join: str | None = None
    optional: bool = False
    when: str | None = None
    codes: dict[str, Any] | None = None
    default: Any = None
    pointer: str | None = None
    """The payload field a ``function`` reads, named in error reports (a source rule names its source)."""


@dataclass(frozen=True)
class MappingSpec:
    service: str
    standard: str
    path: Path
    fields: tuple[FieldRule, ...]
    attachments: str = "none"
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class LineNumberingLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (``__line__``)."""


def _construct_mapping(loader: LineNumberingLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


LineNumberingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _fail(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError(f"{path}:{line}: {message}")


def _load_function(ref: str, path: Path, line: int) -> Callable[[dict[str, Any]], Any]:
    module_name, _, attr = ref.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise _fail(path, line, f"function {ref!r} cannot be imported: {exc}") from exc
    if not callable(fn):
        raise _fail(path, line, f"function {ref!r} is not callable")
    return fn  # type: ignore[no-any-return]


def _check_pointer(value: Any, path: Path, line: int, what: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, line, f"{what} must be a JSON pointer string, got {value!r}")
    try:
        pointer.parse(value)
    except ValueError as exc:
        raise _fail(path, line, str(exc)) from exc
    return value


def read_rule(raw: Any, path: Path) -> FieldRule:
    """One field rule of a spec loaded with :class:`LineNumberingLoader` (the XML specs share it)."""
    if not isinstance(raw, dict):
        raise _fail(path, 0, f"a field rule must be a mapping, got {raw!r}")
    line = int(raw.pop("__line__", 0))
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(path, line, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    target = _check_pointer(raw.get("target"), path, line, "target")
    producers = [k for k in ("source", "const", "each", "function") if k in raw]
    if len(producers) != 1:
        raise _fail(path, line, f"{target}: give exactly one of source, const, each, function")
    sources: tuple[str, ...] = ()
    if "source" in raw:
        src = raw["source"]
        items = src if isinstance(src, list) else [src]
        sources = tuple(_check_pointer(s, path, line, "source") for s in items)
        if len(sources) > 1 and "join" not in raw:
            raise _fail(path, line, f"{target}: several sources need a 'join' separator")
    transform = None
    if "transform" in raw:
        transform = TRANSFORMS.get(raw["transform"])
        if transform is None:
            raise _fail(path, line, f"unknown transform {raw['transform']!r}; known: {sorted(TRANSFORMS)}")
    codes = raw.get("codes")
    if codes is not None and not isinstance(codes, dict):
        raise _fail(path, line, f"{target}: codes must be a mapping of source value to code")
    nested: tuple[FieldRule, ...] = ()
    each = None
    if "each" in raw:
        each = _check_pointer(raw["each"], path, line, "each")
        sub = raw.get("fields")
        if not isinstance(sub, list) or not sub:
            raise _fail(path, line, f"{target}: a repeated group needs a non-empty 'fields' list")
        nested = tuple(read_rule(r, path) for r in sub)
    return FieldRule(
        target=target,
        line=line,
        source=sources,
        const=raw.get("const"),
        has_const="const" in raw,
        each=each,
        fields=nested,
        function=_load_function(raw["function"], path, line) if "function" in raw else None,
        transform=transform,
        join=raw.get("join"),
        optional=bool(raw.get("optional", False)),
        when=_check_pointer(raw["when"], path, line, "when") if "when" in raw else None,
        codes={str(k): v for k, v in codes.items() if k != "__line__"} if codes else None,
        default=raw.get("default"),
        pointer=_check_pointer(raw["pointer"], path, line, "pointer") if "pointer" in raw else None,
    )


def load_spec(path: Path) -> MappingSpec:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=LineNumberingLoader)  # noqa: S506 (safe loader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a mapping spec is a YAML mapping")
    for key in ("service", "standard", "fields"):
        if key not in raw:
            raise _fail(path, 1, f"missing top-level key {key!r}")
    if not isinstance(raw["fields"], list):
        raise _fail(path, int(raw["__line__"]), "'fields' must be a list")
    attachments = raw.get("attachments", "none")
    if attachments not in ("none", "inline"):
        raise _fail(path, 1, f"attachments must be 'none' or 'inline', got {attachments!r}")
    known = {"service", "standard", "fields", "attachments", "description", "__line__"}
    return MappingSpec(
        service=str(raw["service"]),
        standard=str(raw["standard"]),
        path=path,
        fields=tuple(read_rule(r, path) for r in raw["fields"]),
        attachments=attachments,
        description=str(raw.get("description", "")),
        extra={k: v for k, v in raw.items() if k not in known},
    )
