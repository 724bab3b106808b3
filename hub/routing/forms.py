"""A service's form schema (JSON Schema 2020-12) and its errors as JSON pointers of the envelope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
        self._validator = Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    @classmethod
    def load(cls, path: Path) -> FormSchema:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read form schema: {exc}") from exc

    def problems(self, form: Any, base: str = "/form") -> list[FieldProblem]:
        found: list[FieldProblem] = []
        for error in self._validator.iter_errors(form):
            at = pointer.join(base, *error.absolute_path)
            if error.validator == "required" and isinstance(error.instance, dict):
                missing = [p for p in error.validator_value if p not in error.instance]
                found.extend(
                    FieldProblem(pointer.join(at, m), "is required", "required") for m in missing
                )
                continue
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                allowed = set(error.schema.get("properties", {}))
                extra = [p for p in error.instance if p not in allowed]
                found.extend(
                    FieldProblem(pointer.join(at, e), "is not allowed here", "additionalProperties")
                    for e in extra
                )
                continue
            found.append(FieldProblem(at, error.message, str(error.validator)))
        unique = {(p.pointer, p.message): p for p in found}
        return sorted(unique.values(), key=lambda p: p.pointer)
