"""Applying a bound XML-target spec to an envelope: an lxml document in schema order.

Children are appended in the order of their parent's content model, whatever the order of the rules, so
spec authors can group rules by meaning. Every value is converted to its XML lexical form and checked
against the leaf's simple type here, so a bad value is reported at the envelope's JSON pointer (like the
JSON engine) instead of surfacing later as an XSD error about the generated document.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hub.errors import FieldProblem, MappingError
from hub.mapping import pointer
from hub.mapping.engine import _ABSENT, _truthy, _value
from hub.mapping.xml.model import check_value
from hub.mapping.xml.resolve import BoundXmlSpec, Leaf, PlanNode, to_text


def _leaf_text(leaf: Leaf, doc: Any, base: str, problems: list[FieldProblem]) -> str | None:
    rule = leaf.rule
    if rule.when is not None and not _truthy(doc, rule.when):
        return None
    value = _value(rule, doc, base, problems)
    if value is _ABSENT or value is None:
        return None
    location = base + rule.source[0] if rule.source else base
    text = to_text(value)
    if text is None:
        problems.append(FieldProblem(location, "must be a single value, not an object or a list", "mapping"))
        return None
    if leaf.simple_type is not None:
        error = check_value(leaf.simple_type, text)
        if error:
            problems.append(FieldProblem(location, error, "schema-type"))
            return None
    return text


def _last_text(leaves: list[Leaf], doc: Any, base: str, problems: list[FieldProblem]) -> str | None:
    """Several rules may target one leaf (alternatives under ``when``): the last one producing a value wins."""
    result = None
    for leaf in leaves:
        text = _leaf_text(leaf, doc, base, problems)
        if text is not None:
            result = text
    return result


def _fill(element: Any, node: PlanNode, doc: Any, base: str, problems: list[FieldProblem]) -> bool:
    """Fill ``element`` from ``node``'s rules; False when nothing was produced (the caller drops it)."""
    produced = False
    for qname, leaves in node.attributes.items():
        text = _last_text(leaves, doc, base, problems)
        if text is not None:
            element.set(qname, text)
            produced = True
    if node.text:
        text = _last_text(node.text, doc, base, problems)
        if text is not None:
            element.text = text
            produced = True
    for child in sorted(node.children.values(), key=lambda c: c.order):
        produced = _children(element, child, doc, base, problems) or produced
    if produced:
        for qname, value in node.fixed.items():
            element.set(qname, value)
    return produced


def _children(parent: Any, node: PlanNode, doc: Any, base: str, problems: list[FieldProblem]) -> bool:
    rule = node.repeat
    if rule is None:
        element = etree.SubElement(parent, node.qname)
        if _fill(element, node, doc, base, problems):
            return True
        parent.remove(element)
        return False
    assert rule.each is not None  # a repeat node is made from an 'each' rule
    if rule.when is not None and not _truthy(doc, rule.when):
        return False
    where = base + rule.each
    items = pointer.resolve(doc, rule.each, None)
    if items is None:
        if not rule.optional:
            problems.append(FieldProblem(where, "is required for this destination", "mapping"))
        return False
    if not isinstance(items, list):
        problems.append(FieldProblem(where, "must be a list", "mapping"))
        return False
    low, high = node.element.min_occurs, node.element.max_occurs
    if len(items) < low and not (rule.optional and not items):
        problems.append(FieldProblem(where, f"needs at least {low} item(s) for {node.display}", "cardinality"))
    if high is not None and len(items) > high:
        problems.append(FieldProblem(where, f"allows at most {high} item(s) for {node.display}", "cardinality"))
    produced = False
    for index, item in enumerate(items):
        element = etree.SubElement(parent, node.qname)
        if _fill(element, node, item, pointer.join(where, index), problems):
            produced = True
        else:
            parent.remove(element)
    return produced


def build_xml(bound: BoundXmlSpec, envelope: dict[str, Any]) -> Any:
    """The target document's root element (lxml); raises :class:`MappingError` listing every problem."""
    problems: list[FieldProblem] = []
    root = etree.Element(bound.plan.qname, nsmap=bound.nsmap)
    _fill(root, bound.plan, envelope, "", problems)
    for qname, value in bound.plan.fixed.items():
        root.set(qname, value)
    if problems:
        raise MappingError(f"the submission cannot be mapped to {bound.spec.standard}", problems)
    return root


def apply_xml_spec(bound: BoundXmlSpec, envelope: dict[str, Any]) -> bytes:
    """The target document as UTF-8 bytes with an XML declaration; validate it with the catalog's validator."""
    return bytes(etree.tostring(build_xml(bound, envelope), xml_declaration=True, encoding="UTF-8"))
