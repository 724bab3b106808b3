"""A service's form schema (JSON Schema 2020-12) and its errors as JSON pointers of the envelope.

The schema is checked against the metaschema once at start-up with ``jsonschema``; submissions
are validated with ``jsonschema-rs`` (compiled, several hundred times faster per document, which
matters because intake runs it on every request).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from hub.errors import ConfigError, FieldProblem
from hub.mapping import pointer


class FormSchema:
    """Compiled once at start-up; ``problems`` is called on every intake."""

    def __init__(self, schema: dict[str, Any], source: str) -> None:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ConfigError(f"{source}: not a valid JSON Schema: {exc.message}") from exc
        self.schema = schema
        self.source = source
        self._validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)

    @classmethod
    def load(cls, path: Path) -> FormSchema:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read form schema: {exc}") from exc

    def problems(self, form: Any, base: str = "/form") -> list[FieldProblem]:
        found: list[FieldProblem] = []
        for error in self._validator.iter_errors(form):
            at = pointer.join(base, *error.instance_path)
            kind: Any = error.kind  # the stubs don't know the per-keyword attributes
            if kind.name == "required":
                found.append(FieldProblem(pointer.join(at, kind.property), "is required", "required"))
            elif kind.name == "additionalProperties":
                found.extend(
                    FieldProblem(pointer.join(at, name), "is not allowed here", "additionalProperties")
                    for name in kind.unexpected
                )
            else:
                found.append(FieldProblem(at, error.message, kind.name))
        unique = {(p.pointer, p.message): p for p in found}
        return sorted(unique.values(), key=lambda p: p.pointer)
