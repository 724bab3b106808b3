"""Finding schema sets in the ``HUB_SCHEMA_PATH`` directories: manifests first, then conventions.

Like ``PATH``, an earlier directory wins: a set installed into the first directory shadows a set
with the same id further down (that is how an operator overrides a shipped set).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from hub.errors import ConfigError
from hub.schemas.conventions import CONVENTIONS, Convention
from hub.schemas.manifest import MANIFEST_NAME, load_manifest
from hub.schemas.model import SchemaSet
from hub.xml.schema_files import target_namespace


@dataclass
class Discovery:
    sets: dict[str, SchemaSet] = field(default_factory=dict)
    shadowed: list[SchemaSet] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # manifest path -> error

    def add(self, schema_set: SchemaSet) -> None:
        if schema_set.id in self.sets:
            if self.sets[schema_set.id].folder != schema_set.folder:
                self.shadowed.append(schema_set)
            return
        self.sets[schema_set.id] = schema_set


def discover(directories: Sequence[Path]) -> Discovery:
    found = Discovery()
    for directory in directories:
        if not directory.is_dir():
            continue
        files = _files(directory)
        manifest_dirs = sorted({f.parent for f in files if f.name == MANIFEST_NAME})
        for folder in manifest_dirs:
            try:
                found.add(_from_manifest(folder))
            except ConfigError as exc:
                found.broken[str(folder / MANIFEST_NAME)] = str(exc)
        for file in files:
            if any(file.is_relative_to(m) for m in manifest_dirs):
                continue
            relative = file.relative_to(directory).as_posix()
            for rule in CONVENTIONS:
                match = rule.anchor.fullmatch(relative)
                if match:
                    folder = directory / match["folder"].rstrip("/") if match["folder"] else directory
                    version = match.groupdict().get("version") or ""
                    schema_set = _from_convention(rule, folder, version)
                    if schema_set is not None:
                        found.add(schema_set)
    return found


def _files(directory: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # skips half-finished installs
        out.extend(Path(root) / n for n in sorted(names))
    return out


def _from_manifest(folder: Path) -> SchemaSet:
    manifest = load_manifest(folder / MANIFEST_NAME)
    entries = expand(folder, manifest.entries)
    json_schemas = expand(folder, manifest.json_schemas)
    if manifest.entries and not entries:
        raise ConfigError(f"{folder / MANIFEST_NAME}: no file matches entries {manifest.entries}")
    if manifest.json_schemas and not json_schemas:
        raise ConfigError(f"{folder / MANIFEST_NAME}: no file matches json_schemas {manifest.json_schemas}")
    return SchemaSet(
        id=manifest.id,
        standard=manifest.standard,
        version=manifest.version,
        folder=folder,
        entries=entries,
        namespace=manifest.namespace or _namespace(folder, entries, json_schemas),
        default_entry=manifest.default_entry,
        schematron=expand(folder, manifest.schematron),
        json_schemas=json_schemas,
        url_map=tuple(manifest.url_map.items()),
        source="manifest",
    )


def _from_convention(rule: Convention, folder: Path, version: str) -> SchemaSet | None:
    values = {"version": version, "version_path": version.replace(".", "/")}

    def fill(patterns: Iterable[str]) -> list[str]:
        return [p.format(**values) for p in patterns]

    entries = expand(folder, fill(rule.entries)) or expand(folder, fill(rule.fallback_entries))
    json_schemas = expand(folder, fill(rule.json_schemas))
    if not entries and not json_schemas:
        return None
    namespace = _namespace(folder, entries, json_schemas)
    if rule.version_from_namespace is not None:
        found = rule.version_from_namespace.fullmatch(namespace or "")
        if found is None:
            return None
        version = found["version"]
        values = {"version": version, "version_path": version.replace(".", "/")}
    return SchemaSet(
        id=rule.set_id.format(**values),
        standard=rule.standard,
        version=version,
        folder=folder,
        entries=entries,
        namespace=namespace,
        default_entry=rule.default_entry,
        schematron=expand(folder, fill(rule.schematron)),
        json_schemas=json_schemas,
        url_map=tuple((prefix.format(**values), target) for prefix, target in rule.url_map),
        source=f"convention:{rule.standard}",
    )


def expand(folder: Path, patterns: Iterable[str]) -> tuple[str, ...]:
    """Glob ``patterns`` under ``folder`` into sorted, de-duplicated relative POSIX paths."""
    out: dict[str, None] = {}
    for pattern in patterns:
        for path in sorted(folder.glob(pattern)):
            if path.is_file() and path.resolve().is_relative_to(folder.resolve()):
                out[path.relative_to(folder).as_posix()] = None
    return tuple(out)


def _namespace(folder: Path, entries: Sequence[str], json_schemas: Sequence[str]) -> str | None:
    """The target namespace of the first entry (or ``$id`` of the first JSON Schema), for listings."""
    try:
        if entries:
            return target_namespace(folder / entries[0])
        if json_schemas:
            document = json.loads((folder / json_schemas[0]).read_text(encoding="utf-8"))
            value = document.get("$id") if isinstance(document, dict) else None
            return str(value) if value is not None else None
    except (OSError, ValueError, etree.XMLSyntaxError):
        return None
    return None
