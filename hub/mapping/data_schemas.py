"""The hub's own published JSON Schemas of data it sends (FIT-Connect names them as the data's submissionSchema).

A FIT-Connect submission names the schema of its data by URI (``submissionSchema.schemaUri``);
the hub publishes its schemas under that URI (``GET /schemas/{service}/{version}``). A mapping
spec names its schema file with ``dataSchema`` (relative to the spec); the schema's ``$id`` is its URI.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from hub.errors import ConfigError
from hub.mapping.spec import MappingSpec

_lock = threading.Lock()
_cache: dict[Path, DataSchema] = {}


@dataclass(frozen=True)
class DataSchema:
    uri: str
    document: dict[str, Any]
    validator: Any

    def problems(self, data: Any) -> list[tuple[str, str]]:
        """(JSON pointer into the data, message) for every violation."""
        return [
            ("".join(f"/{p}" for p in error.instance_path), error.message) for error in self.validator.iter_errors(data)
        ]


def schema_path(spec: MappingSpec) -> Path | None:
    name = spec.extra.get("dataSchema")
    return (spec.path.parent / str(name)).resolve() if name else None


def data_schema(spec: MappingSpec) -> DataSchema:
    path = schema_path(spec)
    if path is None:
        raise ConfigError(f"{spec.path}: a FIT-Connect mapping spec needs dataSchema")
    with _lock:
        cached = _cache.get(path)
    if cached is not None:
        return cached
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        validator = jsonschema_rs.validator_for(document, offline=True)
    except (OSError, ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    uri = document.get("$id")
    if not isinstance(uri, str) or not uri:
        raise ConfigError(f"{path}: the data schema needs an $id (its published URI)")
    loaded = DataSchema(uri, document, validator)
    with _lock:
        return _cache.setdefault(path, loaded)
