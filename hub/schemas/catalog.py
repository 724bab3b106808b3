"""The schema catalog: the installed schema sets of ``HUB_SCHEMA_PATH``, compiled lazily and cached.

Schema sets are data an operator installs, not part of the code: the hub only knows where to look.
Compiling is deferred to the first validation (or ``check``), and each compiled validator is kept for
the life of the catalog, so a process pays for each set once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from hub.schemas.discovery import discover
from hub.schemas.errors import SchemaCompileError, SchemaNotInstalled
from hub.schemas.jsonschema import compile_json
from hub.schemas.model import CheckResult, SchemaProblem, SchemaSet
from hub.schemas.schematron import SchematronError, SchematronValidator
from hub.schemas.xsd import compile_xsd
from hub.xml import XmlError

ENV_VAR = "HUB_SCHEMA_PATH"


class Validator(Protocol):
    """What ``SchemaCatalog.validator`` returns: an XSD validator (lxml element) or a JSON one (decoded JSON)."""

    set_id: str
    warnings: tuple[str, ...]

    def validate(self, document: Any) -> list[SchemaProblem]: ...


class SchemaCatalog:
    def __init__(self, directories: list[Path]) -> None:
        self.directories = directories
        found = discover(directories)
        self._sets = found.sets
        self.shadowed = found.shadowed
        self.broken_manifests = found.broken
        self._validators: dict[tuple[str, str | None], Validator] = {}
        self._schematron: dict[str, SchematronValidator | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_path(cls, path_string: str | None) -> SchemaCatalog:
        """A catalog over an ``os.pathsep``-separated directory list (the form of ``HUB_SCHEMA_PATH``)."""
        parts = (path_string or "").split(os.pathsep)
        return cls([Path(p).expanduser() for p in parts if p.strip()])

    @classmethod
    def from_env(cls) -> SchemaCatalog:
        return cls.from_path(os.environ.get(ENV_VAR))

    def sets(self) -> list[SchemaSet]:
        return sorted(self._sets.values(), key=lambda s: s.id)

    def get(self, set_id: str) -> SchemaSet:
        try:
            return self._sets[set_id]
        except KeyError:
            raise SchemaNotInstalled(set_id, self.directories, sorted(self._sets)) from None

    def missing_directories(self) -> list[Path]:
        return [d for d in self.directories if not d.is_dir()]

    def validator(self, set_id: str, entry: str | None = None) -> Validator:
        """The cached validator of a set's entry; ``entry=None`` means the set's default (all entries)."""
        schema_set = self.get(set_id)
        key = (set_id, entry)
        with self._lock:
            cached = self._validators.get(key)
        if cached is not None:
            return cached
        # Compiled outside the lock: two threads may compile the same set once each, but no thread
        # waits for another set's compilation.
        compiled: Validator = (
            compile_xsd(schema_set, entry) if schema_set.kind == "xsd" else compile_json(schema_set, entry)
        )
        with self._lock:
            return self._validators.setdefault(key, compiled)

    def schematron(self, set_id: str) -> SchematronValidator | None:
        """The set's Schematron rules compiled for Saxon (cached); None when the set ships none."""
        schema_set = self.get(set_id)
        with self._lock:
            if set_id in self._schematron:
                return self._schematron[set_id]
        compiled = (
            SchematronValidator([schema_set.path(p) for p in schema_set.schematron], set_id)
            if schema_set.schematron
            else None
        )
        with self._lock:
            return self._schematron.setdefault(set_id, compiled)

    def check(self) -> list[CheckResult]:
        """Compile every set: its default validator, each JSON Schema and its Schematron rules."""
        results = [CheckResult(path, ok=False, error=error) for path, error in self.broken_manifests.items()]
        for schema_set in self.sets():
            results.append(self._check_one(schema_set))
        return results

    def _check_one(self, schema_set: SchemaSet) -> CheckResult:
        started = time.perf_counter()
        notes: list[str] = []
        try:
            if schema_set.entries:
                notes.extend(self.validator(schema_set.id).warnings)
            for json_schema in schema_set.json_schemas:
                if schema_set.kind == "xsd" or json_schema != schema_set.json_schemas[0]:
                    compile_json(schema_set, json_schema)
                else:
                    self.validator(schema_set.id)
            if schema_set.schematron:
                self.schematron(schema_set.id)
                notes.append(f"{len(schema_set.schematron)} Schematron file(s) compiled (XSLT 3, Saxon)")
        except (SchemaCompileError, SchematronError, XmlError, etree.XMLSyntaxError) as exc:
            return CheckResult(schema_set.id, ok=False, error=str(exc), seconds=time.perf_counter() - started)
        except Exception as exc:  # a broken file must show up as a failed set, not abort the whole check
            return CheckResult(
                schema_set.id, ok=False, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started
            )
        return CheckResult(schema_set.id, ok=True, seconds=time.perf_counter() - started, notes=tuple(notes))
