"""An XÖV message from a submission: the service's XML mapping spec applied, then checked like a receiver would.

:class:`XoevDocumentBuilder` binds the spec of one (service, standard) against the schema catalog once,
then for each submission builds the document and validates it with lxml against the spec's XSD entry
and, when the schema set ships rules, with its Schematron (Saxon). Any failure is a
:class:`~hub.errors.MappingError` whose problems name the portal payload's JSON pointers (see
:mod:`hub.mapping.xml.report`), so intake answers 422 and nothing invalid is ever stored or sent.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hub.errors import MappingError
from hub.mapping.xml import XmlMappingSpec, bind_xml_spec, build_xml
from hub.mapping.xml.build import Provenance
from hub.mapping.xml.report import payload_problems
from hub.schemas import SchemaCatalog


class XoevDocumentBuilder:
    def __init__(self, spec: XmlMappingSpec, catalog: SchemaCatalog, *, schematron: bool = True) -> None:
        self.spec = spec
        self.bound = bind_xml_spec(spec, catalog)
        self.xsd = catalog.validator(spec.schema_set, spec.schema_entry)
        self.rules = catalog.schematron(spec.schema_set) if schematron else None

    def build_tree(self, envelope: dict[str, Any]) -> Any:
        """The validated document's root element; raises :class:`MappingError` with payload pointers."""
        provenance: Provenance = {}
        root = build_xml(self.bound, envelope, provenance=provenance, check_types=False)
        problems = self.xsd.validate(root)
        if problems:
            raise MappingError(
                f"the submission does not make a valid {self.spec.standard} message (schema)",
                payload_problems(root, provenance, problems, f"xsd:{self.spec.schema_set}"),
            )
        if self.rules is not None:
            problems = self.rules.validate(root)
            if problems:
                raise MappingError(
                    f"the submission does not make a valid {self.spec.standard} message (Schematron)",
                    payload_problems(root, provenance, problems, f"schematron:{self.spec.schema_set}"),
                )
        return root

    def build(self, envelope: dict[str, Any]) -> bytes:
        """The validated document as UTF-8 bytes with an XML declaration."""
        return bytes(etree.tostring(self.build_tree(envelope), xml_declaration=True, encoding="UTF-8"))
