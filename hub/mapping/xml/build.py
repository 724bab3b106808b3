"""Applying a bound XML-target spec to an envelope: an lxml document in schema order.

Children are appended in the order of their parent's content model, whatever the order of the rules, so
spec authors can group rules by meaning. Every value is converted to its XML lexical form and checked
against the leaf's simple type here, so a bad value is reported at the envelope's JSON pointer (like the
JSON engine) instead of surfacing later as an XSD error about the generated document.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from hub.errors import FieldProblem, MappingError
from hub.mapping import pointer
from hub.mapping.engine import ABSENT, condition_holds, rule_value
from hub.mapping.xml.model import check_value
from hub.mapping.xml.plan import BoundXmlSpec, Leaf, PlanNode, to_text

# Characters XML 1.0 cannot carry at all (lxml refuses to write them): C0 controls but tab, CR, LF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_chars(text: str) -> bool:
    return _NOT_XML.search(text) is None


Provenance = dict[Any, str]
"""Element → the JSON pointer of the payload field it came from (leaves) or of its list item (groups)."""


class _Run:
    """One application of a spec: the envelope, the problems found, and where each element came from."""

    __slots__ = ("check_types", "doc", "problems", "provenance")

    def __init__(self, doc: Any, provenance: Provenance | None, check_types: bool) -> None:
        self.doc = doc
        self.problems: list[FieldProblem] = []
        self.provenance = provenance
        self.check_types = check_types


def _leaf_text(leaf: Leaf, doc: Any, base: str, run: _Run) -> tuple[str, str] | None:
    rule = leaf.rule
    if rule.when is not None and not condition_holds(doc, rule.when):
        return None
    value = rule_value(rule, doc, base, run.problems)
    if value is ABSENT or value is None:
        return None
    location = base + (rule.source[0] if rule.source else rule.pointer or "")
    text = to_text(value)
    if text is None:
        run.problems.append(FieldProblem(location, "must be a single value, not an object or a list", "mapping"))
        return None
    if not _xml_chars(text):
        run.problems.append(
            FieldProblem(location, "contains characters XML cannot carry (control characters)", "mapping")
        )
        return None
    if run.check_types and leaf.simple_type is not None:
        error = check_value(leaf.simple_type, text)
        if error:
            run.problems.append(FieldProblem(location, error, "schema-type"))
            return None
    return text, location


def _last_text(leaves: list[Leaf], doc: Any, base: str, run: _Run) -> tuple[str, str] | None:
    """Several rules may target one leaf (alternatives under ``when``): the last one producing a value wins."""
    result = None
    for leaf in leaves:
        found = _leaf_text(leaf, doc, base, run)
        if found is not None:
            result = found
    return result


def _fill(element: Any, node: PlanNode, doc: Any, base: str, run: _Run) -> bool:
    """Fill ``element`` from ``node``'s rules; False when nothing was produced (the caller drops it)."""
    produced = False
    for qname, leaves in node.attributes.items():
        found = _last_text(leaves, doc, base, run)
        if found is not None:
            element.set(qname, found[0])
            if run.provenance is not None and found[1]:
                run.provenance.setdefault(element, found[1])
            produced = True
    if node.text:
        found = _last_text(node.text, doc, base, run)
        if found is not None:
            element.text = found[0]
            if run.provenance is not None and found[1]:
                run.provenance[element] = found[1]
            produced = True
    for child in node.ordered:
        produced = _children(element, child, doc, base, run) or produced
    if produced:
        for qname, value in node.fixed.items():
            element.set(qname, value)
    return produced


def _children(parent: Any, node: PlanNode, doc: Any, base: str, run: _Run) -> bool:
    rule = node.repeat
    if rule is None:
        element = etree.SubElement(parent, node.qname)
        if _fill(element, node, doc, base, run):
            return True
        parent.remove(element)
        return False
    assert rule.each is not None  # a repeat node is made from an 'each' rule
    if rule.when is not None and not condition_holds(doc, rule.when):
        return False
    where = base + rule.each
    items = pointer.resolve(doc, rule.each, None)
    if items is None:
        if not rule.optional:
            run.problems.append(FieldProblem(where, "is required for this destination", "mapping"))
        return False
    if not isinstance(items, list):
        run.problems.append(FieldProblem(where, "must be a list", "mapping"))
        return False
    low, high = node.element.min_occurs, node.element.max_occurs
    if len(items) < low and not (rule.optional and not items):
        run.problems.append(FieldProblem(where, f"needs at least {low} item(s) for {node.display}", "cardinality"))
    if high is not None and len(items) > high:
        run.problems.append(FieldProblem(where, f"allows at most {high} item(s) for {node.display}", "cardinality"))
    produced = False
    for index, item in enumerate(items):
        element = etree.SubElement(parent, node.qname)
        at = pointer.join(where, index)
        if run.provenance is not None:
            run.provenance[element] = at
        if _fill(element, node, item, at, run):
            produced = True
        else:
            parent.remove(element)
            if run.provenance is not None:
                run.provenance.pop(element, None)
    return produced


def build_xml(
    bound: BoundXmlSpec,
    envelope: dict[str, Any],
    *,
    provenance: Provenance | None = None,
    check_types: bool = True,
) -> Any:
    """The target document's root element (lxml); raises :class:`MappingError` listing every problem.

    ``check_types`` checks each value against its leaf's XSD simple type as it is written (xmlschema:
    precise messages, but slow). A caller that validates the finished document with lxml anyway turns
    it off and passes ``provenance``, which receives each element's payload pointer so the validator's
    errors can be reported against the payload (see :mod:`hub.mapping.xml.report`).
    """
    run = _Run(envelope, provenance, check_types)
    root = etree.Element(bound.plan.qname, nsmap=bound.nsmap)
    _fill(root, bound.plan, envelope, "", run)
    for qname, value in bound.plan.fixed.items():
        root.set(qname, value)
    if run.problems:
        raise MappingError(f"the submission cannot be mapped to {bound.spec.standard}", run.problems)
    return root


def apply_xml_spec(bound: BoundXmlSpec, envelope: dict[str, Any]) -> bytes:
    """The target document as UTF-8 bytes with an XML declaration; validate it with the catalog's validator."""
    return bytes(etree.tostring(build_xml(bound, envelope), xml_declaration=True, encoding="UTF-8"))
