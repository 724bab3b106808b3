"""The XML side of the mapping engine: schema-aware specs for XÖV targets (XBau, xdomea, ...).

``load_xml_spec`` reads a spec, ``check_spec`` resolves it against its schema set and lists problems,
``bind_xml_spec`` returns the resolved plan (or raises), ``apply_xml_spec`` builds the document.
A spec with ``withoutSchema: spec-order`` whose schema set is not installed is planned in rule order
instead (``missing_schema`` says so; see :mod:`hub.mapping.xml.spec_order`).
"""

from hub.mapping.xml.build import apply_xml_spec, build_xml
from hub.mapping.xml.plan import BoundXmlSpec, SpecProblem
from hub.mapping.xml.resolve import bind_xml_spec, check_spec
from hub.mapping.xml.spec import XmlMappingSpec, is_xml_standard, load_xml_spec
from hub.mapping.xml.spec_order import missing_schema

__all__ = [
    "BoundXmlSpec",
    "SpecProblem",
    "XmlMappingSpec",
    "apply_xml_spec",
    "bind_xml_spec",
    "build_xml",
    "check_spec",
    "is_xml_standard",
    "load_xml_spec",
    "missing_schema",
]
