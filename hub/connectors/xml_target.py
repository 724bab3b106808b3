"""Build and validate a message for an XML target: the XML mapping spec applied, then checked as a receiver would.

The facade connectors with XML targets (XÖV messages: XBau, XGewerbeanzeige, xdomea) build with::

    builder = XmlTargetBuilder(self.context.mappings.xml_spec(service, standard), self.context.schemas)
    body = builder.build(envelope)     # bytes; or MappingError naming the payload's JSON pointers

:class:`XmlTargetBuilder` binds the spec of one (service, standard) against the schema catalog once,
then for each submission builds the document and validates it with lxml against the spec's XSD entry
and, when the schema set ships rules, with its Schematron (Saxon). Documents are made by the compiled
renderer (:mod:`hub.mapping.xml.compiled`); when it gives up or the result is invalid, the interpreter
(:func:`~hub.mapping.xml.build.build_xml`) makes it again, recording where each element came from. Any failure is a
:class:`~hub.errors.MappingError` whose problems name the portal payload's JSON pointers (see
:mod:`hub.mapping.xml.report`), so intake answers 422 and nothing invalid is ever stored or sent.

A ``withoutSchema: spec-order`` spec whose schema set is not installed (XGewerbeanzeige) is built in
spec order and only checked to be well-formed: there is nothing to validate it against. A warning is
logged once per builder. ``root`` replaces the spec's root element for standards whose messages share
one content model and differ in the root's name (XGewerbeanzeige's ``sta.``/``abh.``/... messages).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import structlog
from lxml import etree

from hub.connectors.base import ConnectorContext
from hub.errors import ConfigError, MappingError
from hub.mapping.xml import XmlMappingSpec, bind_xml_spec, build_xml
from hub.mapping.xml.build import Provenance
from hub.mapping.xml.compiled import Fallback, compile_plan
from hub.mapping.xml.report import payload_problems
from hub.schemas import SchemaCatalog, Validator
from hub.schemas.schematron import SchematronValidator
from hub.xml import SAFE_PARSER

DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"

log = structlog.get_logger(__name__)


class XmlTargetBuilder:
    """One (service, standard)'s XML spec, bound to its schema set, with the validators of its messages."""

    def __init__(
        self, spec: XmlMappingSpec, catalog: SchemaCatalog, *, schematron: bool = True, root: str | None = None
    ) -> None:
        self.spec = spec if root is None else replace(spec, root=root)
        self.bound = bind_xml_spec(self.spec, catalog)
        self.render = compile_plan(self.bound)
        self.xsd: Validator | None = None
        self.rules: SchematronValidator | None = None
        if self.bound.without_schema is not None:
            log.warning(
                "xml_spec_without_schema", spec=str(spec.path), root=self.spec.root, reason=self.bound.without_schema
            )
            return
        self.xsd = catalog.validator(spec.schema_set, spec.schema_entry)
        self.rules = catalog.schematron(spec.schema_set) if schematron else None

    def build_tree(self, envelope: dict[str, Any]) -> Any:
        """The validated document's root element; raises :class:`MappingError` with payload pointers."""
        return self._build(envelope)[0]

    def build(self, envelope: dict[str, Any]) -> bytes:
        """The validated document as UTF-8 bytes with an XML declaration."""
        root, text = self._build(envelope)
        if text is not None:
            return DECLARATION + text.encode()
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def _build(self, envelope: dict[str, Any]) -> tuple[Any, str | None]:
        # The fast path: the compiled renderer's text, parsed and valid against the XSD. Anything else
        # (a Fallback, an XSD error) is done again by the interpreter, which locates every problem.
        try:
            text = self.render(envelope)
            root = etree.fromstring(text.encode(), SAFE_PARSER)
        except (Fallback, etree.XMLSyntaxError):
            text = None
        if text is not None and self.xsd is None:
            return root, text
        if text is None or self.xsd is None or self.xsd.validate(root):
            return self._interpreted(envelope), None
        self._check_rules(root, envelope, None)
        return root, text

    def _interpreted(self, envelope: dict[str, Any]) -> Any:
        provenance: Provenance = {}
        root = build_xml(self.bound, envelope, provenance=provenance, check_types=False)
        if self.xsd is None:
            return root
        problems = self.xsd.validate(root)
        if problems:
            raise MappingError(
                f"the submission does not make a valid {self.spec.standard} message (schema)",
                payload_problems(root, provenance, problems, f"xsd:{self.spec.schema_set}"),
            )
        self._check_rules(root, envelope, provenance)
        return root

    def _check_rules(self, root: Any, envelope: dict[str, Any], provenance: Provenance | None) -> None:
        if self.rules is None:
            return
        problems = self.rules.validate(root)
        if not problems:
            return
        if provenance is None:  # from the fast path: locate the problems on an interpreted twin
            provenance = {}
            root = build_xml(self.bound, envelope, provenance=provenance, check_types=False)
            problems = self.rules.validate(root)
        raise MappingError(
            f"the submission does not make a valid {self.spec.standard} message (Schematron)",
            payload_problems(root, provenance, problems, f"schematron:{self.spec.schema_set}"),
        )


class XmlTargets:
    """One destination's :class:`XmlTargetBuilder` per service, bound on first use and kept.

    ``fail`` makes the destination's :class:`~hub.errors.ConfigError` for a spec or catalog that is
    missing: every submission of the service would fail the same way.
    """

    def __init__(self, context: ConnectorContext, fail: Callable[[str], ConfigError]) -> None:
        self._context = context
        self._fail = fail
        self._lock = threading.Lock()
        self._builders: dict[str, XmlTargetBuilder] = {}

    def get(
        self, service: str, standard: str, root: Callable[[XmlMappingSpec], str | None] | None = None
    ) -> XmlTargetBuilder:
        """The builder of ``service``'s spec for ``standard``; ``root`` may rename the spec's root element."""
        with self._lock:
            found = self._builders.get(service)
        if found is not None:
            return found
        spec = self._context.mappings.xml_spec(service, standard)
        if spec is None:
            raise self._fail(f"no XML mapping spec for service {service!r} and standard {standard!r}")
        if self._context.schemas is None:
            raise self._fail("the hub was started without a schema catalog (HUB_SCHEMA_PATH)")
        built = XmlTargetBuilder(spec, self._context.schemas, root=root(spec) if root is not None else None)
        with self._lock:
            return self._builders.setdefault(service, built)


__all__ = ["DECLARATION", "XmlTargetBuilder", "XmlTargets"]
