"""The catalog's value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SchemaSet:
    """One installed schema set: a folder with entry XSDs and/or JSON Schemas, found by discovery.

    Paths in ``entries``, ``schematron`` and ``json_schemas`` are POSIX paths relative to ``folder``.
    ``url_map`` maps URL prefixes used by imports (``schemaLocation="https://..."``) to paths under
    ``folder``, so such imports resolve offline.
    """

    id: str
    standard: str
    version: str
    folder: Path
    entries: tuple[str, ...] = ()
    namespace: str | None = None
    default_entry: str | None = None
    schematron: tuple[str, ...] = ()
    json_schemas: tuple[str, ...] = ()
    url_map: tuple[tuple[str, str], ...] = ()
    source: str = "convention"

    @property
    def kind(self) -> str:
        """``xsd`` when the set has entry schemas (validated with lxml), else ``json``."""
        return "xsd" if self.entries else "json"

    def path(self, relative: str) -> Path:
        return self.folder / relative


@dataclass(frozen=True)
class SchemaProblem:
    """One validation error, located by line (XML) and path (XPath or JSON pointer)."""

    line: int | None
    path: str | None
    message: str
    rule: str | None = None
    """The Schematron assert's id (e.g. ``sch-xbau-001``); None for XSD errors."""

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else ""
        if self.path:
            where = f"{where} {self.path}".strip()
        if self.rule:
            where = f"{where} [{self.rule}]".strip()
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class CheckResult:
    """The outcome of compiling one schema set (or of reading one broken manifest)."""

    set_id: str
    ok: bool
    error: str | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
