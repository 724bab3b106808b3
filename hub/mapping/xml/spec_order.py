"""Schema-less XML specs: the plan of a ``withoutSchema: spec-order`` spec whose schema set is not installed.

Some standards' XSDs cannot be installed (XGewerbeanzeige publishes them on XRepository only), yet
their messages must be made. Such a spec declares ``withoutSchema: spec-order``; while its set is
missing from the catalog, :func:`plan_in_spec_order` turns it into the same kind of plan the schema
resolver makes (:class:`~hub.mapping.xml.plan.PlanNode`), so the interpreter
(:mod:`hub.mapping.xml.build`) and the compiled renderer (:mod:`hub.mapping.xml.compiled`) both work
on it unchanged. What the schema would have said is replaced by the spec itself:

* **order**: an element's children follow the order in which the spec's rules first name them (the
  spec author writes rules in the standard's order, e.g. from the official test messages);
* **cardinality**: an ``each`` group repeats any number of times; every element is optional;
* **types**: none; values are written as given (the builders still refuse control characters and
  non-scalar values, and a required source that is missing is still an error).

Checked here instead: prefixes are declared, one element is not both a repeated group and a plain
child, ``each`` targets an element. As soon as the set is installed the spec is bound and validated
against it like every other, with no change to the spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.mapping.spec import FieldRule
from hub.mapping.xml.plan import BoundXmlSpec, Leaf, PlanNode, SpecProblem, SpecReader
from hub.mapping.xml.spec import SPEC_ORDER, Step, XmlMappingSpec, parse_target
from hub.schemas import SchemaCatalog, SchemaNotInstalled


@dataclass(frozen=True)
class UndeclaredElement:
    """Stands in for an XSD element declaration where there is none: optional, repeatable at will."""

    name: str
    min_occurs: int = 0
    max_occurs: int | None = None


def missing_schema(spec: XmlMappingSpec, catalog: SchemaCatalog) -> str | None:
    """Why ``spec`` is built in spec order with ``catalog`` (None: it is bound against its schema).

    Only a spec that allows it (``withoutSchema: spec-order``) is ever built without its schema; any
    other spec with a missing set is a binding problem.
    """
    if spec.without_schema != SPEC_ORDER:
        return None
    try:
        catalog.get(spec.schema_set)
    except SchemaNotInstalled:
        return (
            f"schema set {spec.schema_set} is not installed: built in spec order "
            "without XSD checks (withoutSchema: spec-order)"
        )
    return None


class _Planner(SpecReader):
    def child(self, parent: PlanNode, qname: str, step: Step, rule: FieldRule, repeat: FieldRule | None) -> PlanNode:
        node = PlanNode(
            UndeclaredElement(qname),
            qname,
            f"{parent.display}/{step}",
            rule.line,
            order=len(parent.children),  # first named, first written
            repeat=repeat,
        )
        parent.children[qname] = node
        return node

    def add_rules(self, node: PlanNode, rules: tuple[FieldRule, ...]) -> None:
        for rule in rules:
            self.add_rule(node, rule)

    def add_rule(self, node: PlanNode, rule: FieldRule) -> None:
        steps = parse_target(rule.target)
        current = node
        for index, step in enumerate(steps):
            qname = self.clark(step, rule.line)
            if qname is None:
                return
            if step.attribute:
                if rule.each is not None:
                    self.each_not_on_element(rule)
                    return
                current.attributes.setdefault(qname, []).append(Leaf(rule, None))
                return
            existing = current.children.get(qname)
            if index == len(steps) - 1 and rule.each is not None:
                if existing is not None:
                    self.already_produced(rule, existing)
                    return
                self.add_rules(self.child(current, qname, step, rule, rule), rule.fields)
                return
            if existing is None:
                existing = self.child(current, qname, step, rule, None)
            elif existing.repeat is not None:
                self.inside_repeated_group(rule, existing)
                return
            current = existing
        if rule.each is not None:
            self.each_not_on_element(rule)
            return
        current.text.append(Leaf(rule, None))


def plan_in_spec_order(spec: XmlMappingSpec, reason: str) -> tuple[BoundXmlSpec | None, list[SpecProblem]]:
    """The spec's plan in rule order (see the module docstring) and the problems found."""
    planner = _Planner(spec)
    root_line = spec.lines.get("root", 1)
    (root_step,) = parse_target(spec.root)
    root_qname = planner.clark(root_step, root_line)
    if root_qname is None:
        return None, planner.problems
    plan = PlanNode(UndeclaredElement(root_qname), root_qname, str(root_step), root_line)
    planner.add_rules(plan, spec.fields)
    nsmap: dict[str | None, str] = {(prefix or None): uri for prefix, uri in spec.namespaces.items()}
    return BoundXmlSpec(spec, plan, nsmap, without_schema=reason), planner.problems
