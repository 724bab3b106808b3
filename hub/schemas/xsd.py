"""Compiling a set's XSDs with lxml (libxml2), offline, and validating elements against them.

lxml rather than xmlschema: on these sets it validates 40–60× faster (benchmark in the issue).
The documents are read by :class:`hub.xml.schema_files.SchemaSetParser`: imports resolve relative
to each file, an import by URL the set's ``url_map`` knows is served from the set's folder, and
anything else stays unresolved because the parser never touches the network.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from lxml import etree

from hub.schemas.errors import SchemaCompileError
from hub.schemas.model import SchemaProblem, SchemaSet
from hub.xml.schema_files import SchemaSetParser, target_namespace

XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


class XsdValidator:
    """Validates elements against one compiled schema.

    ``XMLSchema.error_log`` belongs to the schema object, so concurrent validations would mix their
    errors: a lock per validator keeps each result whole (validation is fast; contention is cheap).
    """

    def __init__(self, schema: Any, set_id: str, entry: str | None, warnings: Sequence[str] = ()) -> None:
        self._schema = schema
        self._lock = threading.Lock()
        self.set_id = set_id
        self.entry = entry
        self.warnings = tuple(warnings)

    def validate(self, document: Any) -> list[SchemaProblem]:
        """Problems of ``document`` (an element or tree); an empty list means valid."""
        with self._lock:
            if self._schema.validate(document):
                return []
            log = list(self._schema.error_log)
        return [SchemaProblem(line=e.line or None, path=e.path or None, message=e.message) for e in log]


def compile_xsd(schema_set: SchemaSet, entry: str | None = None) -> XsdValidator:
    """Compile ``entry`` of the set, or (``None``) its default: the default entry or all entries together."""
    parser = SchemaSetParser(schema_set.folder, schema_set.url_map)
    chosen = entry or schema_set.default_entry
    try:
        if chosen is not None:
            document = _entry_document(schema_set, _find_entry(schema_set, chosen), parser)
        elif len(schema_set.entries) == 1:
            document = _entry_document(schema_set, schema_set.entries[0], parser)
        else:
            document = _combined_document(schema_set, parser)
        schema = etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaCompileError(
            f"schema set {schema_set.id} ({chosen or 'all entries'}) does not compile: {exc}"
        ) from exc
    warnings = [f"{e.filename}:{e.line}: {e.message}" for e in schema.error_log]
    warnings += [f"import {url} served from the set's folder" for url in parser.served]
    return XsdValidator(schema, schema_set.id, chosen, warnings)


def _find_entry(schema_set: SchemaSet, entry: str) -> str:
    if entry in schema_set.entries:
        return entry
    by_name = [e for e in schema_set.entries if Path(e).name == entry]
    if len(by_name) == 1:
        return by_name[0]
    raise SchemaCompileError(
        f"schema set {schema_set.id} has no entry {entry!r}; entries: {', '.join(schema_set.entries)}"
    )


def _entry_document(schema_set: SchemaSet, entry: str, parser: SchemaSetParser) -> Any:
    path = schema_set.path(entry)
    tree = parser.parse_file(path)
    if tree.getroot().tag != f"{{{WSDL_NS}}}definitions":
        return tree
    return _wsdl_schema(tree, path, parser)


def _wsdl_schema(wsdl: Any, path: Path, parser: SchemaSetParser) -> Any:
    """A WSDL's vocabulary as one schema: its ``<types>`` schema plus the XSDs it ``<import>``s."""
    root = wsdl.getroot()
    inline = root.findall(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    if len(inline) > 1:
        raise SchemaCompileError(f"{path}: more than one schema in <types> is not supported")
    imports = [
        (i.get("namespace"), i.get("location"))
        for i in root.findall(f"{{{WSDL_NS}}}import")
        if (i.get("location") or "").endswith(".xsd")
    ]
    if inline:
        schema = parser.parse_text(etree.tostring(inline[0]), path)
    else:
        schema = parser.parse_text(f'<xs:schema xmlns:xs="{XSD_NS}"/>'.encode(), path)
    for position, (namespace, location) in enumerate(imports):
        element = etree.Element(f"{{{XSD_NS}}}import", namespace=namespace or "", schemaLocation=location or "")
        schema.insert(position, element)
    return schema.getroottree()


def _combined_document(schema_set: SchemaSet, parser: SchemaSetParser) -> Any:
    """One wrapper schema over all entries, so a single validator accepts every message of the set.

    Entries of one namespace are ``xs:include``d by a wrapper in that namespace; entries of distinct
    namespaces are ``xs:import``ed. libxml2 honours only the first import per namespace, so several
    entries per namespace across namespaces cannot be combined: then the caller names an entry.
    """
    namespaces = {entry: target_namespace(schema_set.path(entry)) for entry in schema_set.entries}
    if any(e.endswith(".wsdl") for e in schema_set.entries):
        raise SchemaCompileError(f"schema set {schema_set.id}: name the entry to compile (it has WSDL entries)")
    distinct = set(namespaces.values())
    if len(distinct) == 1:
        (namespace,) = distinct
        target = f" targetNamespace={quoteattr(namespace)}" if namespace else ""
        body = "".join(f"<xs:include schemaLocation={quoteattr(schema_set.path(e).as_uri())}/>" for e in namespaces)
    elif len(distinct) == len(namespaces):
        target = ""
        body = "".join(
            f"<xs:import namespace={quoteattr(ns or '')} schemaLocation={quoteattr(schema_set.path(e).as_uri())}/>"
            for e, ns in namespaces.items()
        )
    else:
        raise SchemaCompileError(
            f"schema set {schema_set.id}: entries span several namespaces with several files each; name the entry"
        )
    wrapper = f'<xs:schema xmlns:xs="{XSD_NS}"{target} elementFormDefault="qualified">{body}</xs:schema>'
    return parser.parse_text(wrapper.encode(), schema_set.folder / "hub-combined.xsd").getroottree()
