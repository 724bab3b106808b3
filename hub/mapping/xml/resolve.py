"""Resolving an XML-target spec against its schema: the plan the builder follows, and every problem found.

Doing this at load time (``hub mappings check``, bootstrap) means a spec naming an element the standard
does not have, a constant outside a code list, or a forgotten mandatory element is reported with the
spec's file and line before the first submission arrives, instead of as a schema error in a dead letter.
"""

from __future__ import annotations

from typing import Any

from hub.errors import ConfigError
from hub.mapping.spec import FieldRule
from hub.mapping.xml.model import Particle, attributes, check_value, load_schema, particles, value_type
from hub.mapping.xml.plan import BoundXmlSpec, Leaf, PlanNode, SpecProblem, SpecReader, to_text
from hub.mapping.xml.spec import Step, XmlMappingSpec, parse_target
from hub.mapping.xml.spec_order import missing_schema, plan_in_spec_order
from hub.schemas import SchemaCatalog
from hub.schemas.errors import SchemaNotInstalled


class _Resolver(SpecReader):
    def name(self, clark: str) -> str:
        if not clark.startswith("{"):
            return clark
        uri, local = clark[1:].split("}", 1)
        prefix = self.prefix_of.get(uri)
        return f"{prefix}:{local}" if prefix else clark

    def check_static(self, rule: FieldRule, simple_type: Any | None, where: str) -> None:
        """Constants and code-list values are known now: check them against the leaf's type."""
        if simple_type is None:
            return
        candidates: list[tuple[str, Any]] = []
        if rule.has_const:
            candidates.append(("const", rule.const))
        if rule.codes is not None and rule.transform is None:
            candidates += [(f"code for {key!r}", code) for key, code in rule.codes.items()]
        for what, value in candidates:
            text = to_text(value)
            error = check_value(simple_type, text) if text is not None else f"{value!r} is not a single value"
            if error:
                self.problem(rule.line, f"{where}: {what} {error}")

    def add_rules(self, node: PlanNode, rules: tuple[FieldRule, ...]) -> None:
        for rule in rules:
            self.add_rule(node, rule)

    def find_child(self, node: PlanNode, step: Step, rule: FieldRule) -> tuple[Particle, str] | None:
        qname = self.clark(step, rule.line)
        if qname is None:
            return None
        allowed = particles(node.element)
        for particle in allowed:
            if particle.element.name == qname:
                return particle, qname
        same_local = [p for p in allowed if p.element.local_name == step.local]
        if same_local:
            hint = f"; write {self.name(same_local[0].element.name)!r} (namespace/elementFormDefault)"
        else:
            names = ", ".join(self.name(p.element.name) for p in allowed) or "no child elements"
            hint = f"; allowed: {names}"
        self.problem(rule.line, f"{rule.target}: {node.display} has no child element {step}{hint}")
        return None

    def add_rule(self, node: PlanNode, rule: FieldRule) -> None:
        steps = parse_target(rule.target)
        current = node
        for index, step in enumerate(steps):
            if step.attribute:
                self.add_attribute(current, step, rule)
                return
            found = self.find_child(current, step, rule)
            if found is None:
                return
            particle, qname = found
            child = current.children.get(qname)
            display = f"{current.display}/{self.name(qname)}"
            if index == len(steps) - 1 and rule.each is not None:
                max_occurs = particle.element.max_occurs
                if child is not None:
                    self.already_produced(rule, child)
                elif max_occurs is not None and max_occurs <= 1:
                    self.problem(rule.line, f"{rule.target}: {display} is not repeatable (maxOccurs {max_occurs})")
                else:
                    group = PlanNode(particle.element, qname, display, rule.line, particle.order, repeat=rule)
                    current.children[qname] = group
                    self.add_rules(group, rule.fields)
                return
            if child is None:
                child = PlanNode(particle.element, qname, display, rule.line, particle.order)
                current.children[qname] = child
            elif child.repeat is not None:
                self.inside_repeated_group(rule, child)
                return
            current = child
        if rule.each is not None:
            self.each_not_on_element(rule)
            return
        simple_type = value_type(current.element)
        if simple_type is None and not current.element.type.mixed:
            self.problem(rule.line, f"{rule.target}: {current.display} has element content; target its children")
            return
        current.text.append(Leaf(rule, simple_type))
        self.check_static(rule, simple_type, current.display)

    def add_attribute(self, node: PlanNode, step: Step, rule: FieldRule) -> None:
        qname = self.clark(step, rule.line)
        if qname is None:
            return
        declared = dict(attributes(node.element))
        if qname not in declared:
            names = ", ".join("@" + self.name(n) for n in declared) or "none"
            self.problem(rule.line, f"{rule.target}: {node.display} has no attribute {step}; allowed: {names}")
            return
        if rule.each is not None:
            self.each_not_on_element(rule)
            return
        simple_type = declared[qname].type
        node.attributes.setdefault(qname, []).append(Leaf(rule, simple_type))
        self.check_static(rule, simple_type, f"{node.display}/@{self.name(qname)}")

    def check_required(self, node: PlanNode) -> None:
        """Every element the spec creates needs its required children and attributes covered by some rule."""
        choices: dict[int, list[Particle]] = {}
        for particle in particles(node.element):
            if particle.choice is not None:
                choices.setdefault(particle.choice, []).append(particle)
            if particle.required and particle.element.name not in node.children:
                self.problem(
                    node.line,
                    f"required element {node.display}/{self.name(particle.element.name)} is not covered by any rule",
                )
        for branch in choices.values():
            if not any(p.element.name in node.children for p in branch):
                names = " | ".join(self.name(p.element.name) for p in branch)
                self.problem(node.line, f"{node.display} requires one of ({names}); no rule covers any of them")
        for qname, attribute in attributes(node.element):
            if attribute.use != "required" or qname in node.attributes:
                continue
            if attribute.fixed is not None:
                node.fixed[qname] = str(attribute.fixed)
            else:
                self.problem(
                    node.line, f"required attribute {node.display}/@{self.name(qname)} is not covered by any rule"
                )
        for child in node.children.values():
            self.check_required(child)


def _resolve(spec: XmlMappingSpec, catalog: SchemaCatalog) -> tuple[BoundXmlSpec | None, list[SpecProblem]]:
    reason = missing_schema(spec, catalog)
    if reason is not None:
        return plan_in_spec_order(spec, reason)
    resolver = _Resolver(spec)
    root_line = spec.lines.get("root", 1)
    (root_step,) = parse_target(spec.root)
    root_qname = resolver.clark(root_step, root_line)
    if root_qname is None:
        return None, resolver.problems
    try:
        schema = load_schema(catalog, spec.schema_set, root_step.local, spec.schema_entry)
    except (ConfigError, SchemaNotInstalled) as exc:
        resolver.problem(spec.lines.get("schemaSet", 1), str(exc))
        return None, resolver.problems
    element = schema.maps.elements.get(root_qname)
    if element is None:
        resolver.problem(root_line, f"root {spec.root!r} is not a global element of schema set {spec.schema_set}")
        return None, resolver.problems
    plan = PlanNode(element, root_qname, resolver.name(root_qname), root_line)
    resolver.add_rules(plan, spec.fields)
    resolver.check_required(plan)
    nsmap: dict[str | None, str] = {(prefix or None): uri for prefix, uri in spec.namespaces.items()}
    return BoundXmlSpec(spec, plan, nsmap), resolver.problems


def check_spec(spec: XmlMappingSpec, catalog: SchemaCatalog) -> list[SpecProblem]:
    """Every problem of ``spec`` against its schema set; an empty list means it can be bound and applied."""
    return _resolve(spec, catalog)[1]


def bind_xml_spec(spec: XmlMappingSpec, catalog: SchemaCatalog) -> BoundXmlSpec:
    """The spec resolved against its schema; raises :class:`ConfigError` listing every problem."""
    bound, problems = _resolve(spec, catalog)
    if problems or bound is None:
        raise ConfigError("\n".join(str(p) for p in problems) or f"{spec.path}: cannot be resolved")
    return bound
