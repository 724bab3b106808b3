"""The schema side: xmlschema's content models of a catalog set, compiled once per set and entry.

lxml validates the finished document (it is much faster), but it does not expose content models: which
children an element may have, in which order, how often, and each leaf's simple type. ``xmlschema`` does,
so specs are resolved against it at load time; the compiled schema is cached for the process because the
big XÖV sets take around a second each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xmlschema

from hub.errors import ConfigError
from hub.schemas import SchemaCatalog
from hub.schemas.model import SchemaSet
from hub.xml.schema_files import parse_schema_file

XSD_NS = "http://www.w3.org/2001/XMLSchema"

_cache: dict[tuple[str, Path, str], Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Particle:
    """One element a content model allows, flattened out of its (nested) groups in declaration order.

    ``required`` is true when the element must appear whenever its parent does: minOccurs ≥ 1 on the
    element and on every enclosing group, and no enclosing choice. ``choice`` names the outermost
    required choice the element belongs to (its index among the parent's particles), if any.
    """

    element: Any  # xmlschema XsdElement
    order: int
    required: bool
    choice: int | None


def _entry_declaring(schema_set: SchemaSet, local: str) -> str:
    """The set's entry file that declares the global element ``local`` (cheap: top-level children only)."""
    matches = []
    for entry in schema_set.entries:
        tree = parse_schema_file(schema_set.path(entry))
        names = {e.get("name") for e in tree.getroot().iterchildren(f"{{{XSD_NS}}}element")}
        if local in names:
            matches.append(entry)
    if len(matches) != 1:
        found = ", ".join(matches) or "none"
        raise ConfigError(
            f"schema set {schema_set.id}: cannot tell which entry declares {local!r} ({found}); "
            "name it with 'schemaEntry'"
        )
    return matches[0]


def _uri_mapper(schema_set: SchemaSet) -> Any:
    """Maps import URLs of the set's ``url_map`` to local files, as the lxml validator does."""
    prefixes = sorted(schema_set.url_map, key=lambda item: -len(item[0]))

    def mapper(uri: str) -> str:
        for prefix, target in prefixes:
            if prefix.endswith("/") and uri.startswith(prefix):
                return (schema_set.folder / target / uri[len(prefix) :]).as_uri()
            if uri == prefix:
                return (schema_set.folder / target).as_uri()
        return uri

    return mapper


def load_schema(catalog: SchemaCatalog, set_id: str, root_local: str, entry: str | None = None) -> Any:
    """The compiled ``xmlschema.XMLSchema`` of the set's entry that declares the root (cached per process)."""
    schema_set = catalog.get(set_id)
    if schema_set.kind != "xsd":
        raise ConfigError(f"schema set {set_id} has no XSD entries")
    if entry is None:
        entry = schema_set.default_entry or (
            schema_set.entries[0] if len(schema_set.entries) == 1 else _entry_declaring(schema_set, root_local)
        )
    elif entry not in schema_set.entries:
        raise ConfigError(f"schema set {set_id} has no entry {entry!r}; entries: {', '.join(schema_set.entries)}")
    key = (set_id, schema_set.folder, entry)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        schema = xmlschema.XMLSchema(str(schema_set.path(entry)), allow="local", uri_mapper=_uri_mapper(schema_set))
    except (xmlschema.XMLSchemaException, OSError) as exc:
        raise ConfigError(f"schema set {set_id} ({entry}) cannot be loaded by xmlschema: {exc}") from exc
    with _lock:
        return _cache.setdefault(key, schema)


def particles(element: Any) -> list[Particle]:
    """The child elements ``element``'s type allows, in schema order (empty for simple content)."""
    xsd_type = element.type
    if xsd_type.is_simple() or xsd_type.has_simple_content() or xsd_type.content is None:
        return []
    out: list[Particle] = []
    _walk(xsd_type.content, True, None, out)
    return out


def _walk(group: Any, required: bool, choice: int | None, out: list[Particle]) -> None:
    if group.model == "choice":
        if required and group.min_occurs >= 1 and choice is None:
            choice = len(out)  # one branch of this choice must be covered
        required = False
    else:
        required = required and group.min_occurs >= 1
    for item in group:
        if isinstance(item, xmlschema.validators.XsdGroup):
            _walk(item, required, choice, out)
        elif isinstance(item, xmlschema.validators.XsdElement):
            out.append(Particle(item, len(out), required and item.min_occurs >= 1, choice))
        # xs:any wildcards cannot be targeted by a path: skipped


def attributes(element: Any) -> Iterator[tuple[str, Any]]:
    """``(qualified name, XsdAttribute)`` of the element's declared attributes (wildcards skipped)."""
    if element.type.is_simple():
        return
    for name, attribute in element.type.attributes.items():
        if name is not None and isinstance(attribute, xmlschema.validators.XsdAttribute):
            yield name, attribute


def value_type(element: Any) -> Any | None:
    """The simple type of an element's text: its own simple type or its simple content; None otherwise."""
    xsd_type = element.type
    if xsd_type.is_simple():
        return xsd_type
    if xsd_type.has_simple_content():
        return xsd_type.content
    return None


def check_value(simple_type: Any, text: str) -> str | None:
    """Why ``text`` is not a valid lexical value of ``simple_type`` (``None`` when it is)."""
    try:
        simple_type.validate(text)
    except xmlschema.XMLSchemaValidationError as exc:
        name = simple_type.prefixed_name or simple_type.local_name or "its anonymous type"
        base = simple_type.primitive_type.prefixed_name if simple_type.name is None else None
        kind = f"{name} ({base})" if base and base != name else name
        reason = exc.reason or "invalid"
        return f"{text!r} is not a valid {kind}: {reason}"
    return None
