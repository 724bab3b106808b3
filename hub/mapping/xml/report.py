"""Schema and Schematron errors of a generated document, reported against the portal's payload.

The validators name XML nodes (``/xbau:baugenehmigung.antrag.0200/xbau:bauvorhaben/…/zaehler``); the
portal knows only its JSON. While building, :func:`~hub.mapping.xml.build.build_xml` records for each
element the pointer of the field it came from (leaves) or of the list item it stands for (repeated
groups). An error is reported at the pointer of its node, or of the nearest ancestor that has one, and
keeps the XML path and the rule (``xsd`` or the Schematron assert's id) so an integrator can look it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.errors import FieldProblem
from hub.mapping.xml.build import Provenance
from hub.schemas import SchemaProblem


def _common(pointers: list[str]) -> str:
    """The longest pointer all of ``pointers`` start with; one distinct pointer gives its parent."""
    split = [p.split("/") for p in set(pointers)]
    if len(split) == 1:
        return "/".join(split[0][:-1])
    prefix = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return "/".join(prefix)


def _locate(element: Any, provenance: Provenance, *, own_subtree: bool) -> str:
    """The payload pointer for a problem at ``element``.

    Its own pointer when it has one (a bad value); otherwise the common part of the pointers in its
    parent's subtree (an XSD content error names the element after a missing or surplus one, so the
    cause is among its siblings) or, for a Schematron rule (whose context is the element it judges),
    in its own subtree; walking up until something is found.
    """
    if element in provenance:
        return provenance[element]
    scope = element if own_subtree else element.getparent()
    while scope is not None:
        found = [provenance[d] for d in scope.iter() if d in provenance]
        if found:
            return _common(found)
        scope = scope.getparent()
    return ""


def payload_problems(
    root: Any, provenance: Provenance, problems: Iterable[SchemaProblem], rule: str
) -> list[FieldProblem]:
    """One :class:`FieldProblem` per validation problem, located in the payload via ``provenance``.

    ``rule`` names the check for XSD errors (e.g. ``xsd:xbau-2.6``); a Schematron problem keeps its
    own assert id.
    """
    tree = root.getroottree()
    elements = {tree.getpath(element): element for element in root.iter()}
    out: list[FieldProblem] = []
    for problem in problems:
        path = (problem.path or "").split("/@", 1)[0]
        element = elements.get(path)
        where = _locate(element, provenance, own_subtree=problem.rule is not None) if element is not None else ""
        out.append(FieldProblem(where, problem.message, problem.rule or rule, location=problem.path))
    return out
