"""Reading schema documents (XSD, WSDL, Schematron) from disk: local files only, never the network.

A schema document may include and import others. Relative locations resolve next to the file; an
import by URL is served from the schema set's folder when the set's ``url_map`` knows the prefix, and
only from inside that folder; any other URL stays unresolved, because the parser never fetches.
Like every document the hub reads, a schema entry with an external DTD or entity declarations is
refused (:func:`hub.xml.safe.check_docinfo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from hub.xml.safe import SAFE_PARSER, check_docinfo, make_safe_parser


class _SetFolderResolver(etree.Resolver):  # type: ignore[misc]
    """Serves import URLs from local copies, and only files inside the set's folder."""

    def __init__(self, folder: Path, url_map: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.folder = folder.resolve()
        self.url_map = sorted(url_map, key=lambda item: -len(item[0]))  # longest prefix first
        self.served: list[str] = []

    def resolve(self, system_url: str, public_id: str | None, context: Any) -> Any:
        for prefix, target in self.url_map:
            if prefix.endswith("/") and system_url.startswith(prefix):
                local = self.folder / target / system_url[len(prefix) :]
            elif system_url == prefix:
                local = self.folder / target
            else:
                continue
            local = local.resolve()
            if local.is_file() and local.is_relative_to(self.folder):
                self.served.append(system_url)
                return self.resolve_filename(str(local), context)
            return None
        return None


class SchemaSetParser:
    """Parses the documents of one schema set; what it parses keeps resolving imports through it.

    lxml resolves a schema's imports with the parser that read the schema, so everything compiled
    together must come from the same instance. ``served`` lists the URLs taken from the set's folder.
    """

    def __init__(self, folder: Path, url_map: Sequence[tuple[str, str]]) -> None:
        self._parser = make_safe_parser()
        self._resolver = _SetFolderResolver(folder, url_map)
        if url_map:
            self._parser.resolvers.add(self._resolver)

    @property
    def served(self) -> list[str]:
        return self._resolver.served

    def parse_file(self, path: Path) -> Any:
        """The document at ``path`` (an ``lxml.etree._ElementTree``), its DOCTYPE checked."""
        return parse_schema_file(path, self._parser)

    def parse_text(self, text: bytes, base_url: Path) -> Any:
        """A schema the hub composed itself (a wrapper, a WSDL's inline types) as its root element;
        relative locations in it resolve against ``base_url``."""
        return etree.fromstring(text, self._parser, base_url=str(base_url))


def parse_schema_file(path: Path, parser: Any = SAFE_PARSER) -> Any:
    """The schema document at ``path`` (an ``lxml.etree._ElementTree``), its DOCTYPE checked.

    Raises ``OSError`` and ``lxml.etree.XMLSyntaxError`` as lxml does, and
    :class:`~hub.xml.safe.UnsafeXmlError` for a DOCTYPE the hub refuses.
    """
    tree = etree.parse(str(path), parser)
    check_docinfo(tree)
    return tree


def target_namespace(path: Path) -> str | None:
    """The ``targetNamespace`` of the schema at ``path``, read from its root alone (big sets stay cheap).

    Raises ``OSError`` and ``lxml.etree.XMLSyntaxError`` as lxml does.
    """
    for _, element in etree.iterparse(
        str(path), events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    ):
        value = element.get("targetNamespace")
        return str(value) if value is not None else None
    return None
