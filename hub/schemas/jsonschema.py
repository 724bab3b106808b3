"""Compiling a set's JSON Schemas with jsonschema-rs, offline (no remote ``$ref`` is fetched)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs

from hub.schemas.errors import SchemaCompileError
from hub.schemas.model import SchemaProblem, SchemaSet


class JsonSchemaValidator:
    """Validates decoded JSON documents; problems carry the JSON pointer of the offending value."""

    def __init__(self, validator: Any, set_id: str, entry: str) -> None:
        self._validator = validator
        self.set_id = set_id
        self.entry = entry
        self.warnings: tuple[str, ...] = ()

    def validate(self, document: Any) -> list[SchemaProblem]:
        return [
            SchemaProblem(line=None, path=_pointer(error.instance_path), message=error.message)
            for error in self._validator.iter_errors(document)
        ]


def compile_json(schema_set: SchemaSet, entry: str | None = None) -> JsonSchemaValidator:
    chosen = entry or (schema_set.json_schemas[0] if schema_set.json_schemas else None)
    if chosen is None or chosen not in schema_set.json_schemas:
        raise SchemaCompileError(
            f"schema set {schema_set.id} has no JSON Schema {chosen!r}; it has: {', '.join(schema_set.json_schemas)}"
        )
    try:
        schema = json.loads(schema_set.path(chosen).read_text(encoding="utf-8"))
        validator = jsonschema_rs.validator_for(schema, offline=True)
    except (OSError, ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as exc:
        raise SchemaCompileError(f"schema set {schema_set.id} ({chosen}) does not compile: {exc}") from exc
    return JsonSchemaValidator(validator, schema_set.id, chosen)


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
