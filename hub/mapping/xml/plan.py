"""The plan of an XML-target spec: which elements it creates, in which order, filled by which rules.

The schema resolver (:mod:`hub.mapping.xml.resolve`) and the schema-less planner
(:mod:`hub.mapping.xml.spec_order`) both make one; the interpreter (:mod:`hub.mapping.xml.build`) and the
compiled renderer (:mod:`hub.mapping.xml.compiled`) both follow it. It lives apart from both makers so
neither needs the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from hub.mapping.spec import FieldRule
from hub.mapping.xml.spec import Step, XmlMappingSpec


@dataclass(frozen=True)
class SpecProblem:
    """One mistake in a spec, located like a compiler error so editors can jump to it."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Leaf:
    """A value rule and the simple type its text must satisfy (``None``: not checkable, e.g. mixed content)."""

    rule: FieldRule
    simple_type: Any | None


@dataclass(eq=False)
class PlanNode:
    """One element the spec may create: its declaration, the rules filling it and its planned children."""

    element: Any  # xmlschema XsdElement
    qname: str  # Clark notation, as lxml wants it
    display: str  # full path from the root, with the spec's prefixes
    line: int  # the first rule that creates it (the root: the 'root' key)
    order: int = 0  # position among the parent's particles: output follows it
    repeat: FieldRule | None = None  # an 'each' rule: one element per item
    text: list[Leaf] = field(default_factory=list)
    attributes: dict[str, list[Leaf]] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)  # required attributes with a fixed value, filled in
    children: dict[str, PlanNode] = field(default_factory=dict)

    @cached_property
    def ordered(self) -> tuple[PlanNode, ...]:
        """The children in schema order (read once the plan is complete, i.e. when documents are built)."""
        return tuple(sorted(self.children.values(), key=lambda c: c.order))


@dataclass(frozen=True)
class BoundXmlSpec:
    """A spec resolved against its schema without problems: what :func:`apply_xml_spec` needs.

    ``without_schema`` is None for a spec bound against its schema set; for a ``withoutSchema:
    spec-order`` spec whose set is missing it says so (the plan then follows the spec's rule order and
    nothing can validate the document: see :mod:`hub.mapping.xml.spec_order`).
    """

    spec: XmlMappingSpec
    plan: PlanNode
    nsmap: dict[str | None, str]
    without_schema: str | None = None


def to_text(value: Any) -> str | None:
    """The XML lexical form of a mapped value (XSD booleans are ``true``/``false``); None for objects/lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, Decimal)):
        return str(value)
    return None


class SpecReader:
    """What turning a spec into a plan always needs: its problems, and its prefixes resolved."""

    def __init__(self, spec: XmlMappingSpec) -> None:
        self.spec = spec
        self.problems: list[SpecProblem] = []
        self.prefix_of = {uri: prefix for prefix, uri in spec.namespaces.items()}

    def problem(self, line: int, message: str) -> None:
        self.problems.append(SpecProblem(self.spec.path, line, message))

    def clark(self, step: Step, line: int) -> str | None:
        if step.prefix is None:
            return step.local
        uri = self.spec.namespaces.get(step.prefix)
        if uri is None:
            self.problem(line, f"prefix {step.prefix!r} is not declared in 'namespaces'")
            return None
        return f"{{{uri}}}{step.local}"

    # The mistakes both planners find, worded once.

    def each_not_on_element(self, rule: FieldRule) -> None:
        self.problem(rule.line, f"{rule.target}: a repeated group ('each') must target an element")

    def already_produced(self, rule: FieldRule, existing: PlanNode) -> None:
        self.problem(
            rule.line, f"{rule.target}: {existing.display} is already produced by the rule at line {existing.line}"
        )

    def inside_repeated_group(self, rule: FieldRule, group: PlanNode) -> None:
        self.problem(
            rule.line,
            f"{rule.target}: {group.display} is the repeated group of line {group.line}; "
            "target its children in that group's 'fields'",
        )
