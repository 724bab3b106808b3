"""Applying a mapping spec to an envelope. Every problem names the envelope's JSON pointer."""

from __future__ import annotations

from typing import Any

from hub.errors import FieldProblem, MappingError
from hub.mapping import pointer
from hub.mapping.spec import FieldRule, MappingSpec

ABSENT = object()
"""What :func:`rule_value` returns for a rule that produces nothing (``None`` is a value)."""


def condition_holds(doc: Any, ptr: str) -> bool:
    """Whether a rule's ``when`` pointer names a truthy value in ``doc``."""
    return bool(pointer.resolve(doc, ptr, None))


def rule_value(rule: FieldRule, doc: Any, base: str, problems: list[FieldProblem]) -> Any:
    """The rule's target value, or :data:`ABSENT` when it produces nothing (problems go to ``problems``).

    Shared with the XML builders (:mod:`hub.mapping.xml`), so both engines read a rule the same way.
    """
    if rule.has_const:
        return rule.const
    if rule.function is not None:
        return rule.function(doc)
    parts: list[Any] = []
    for src in rule.source:
        value = pointer.resolve(doc, src, ABSENT)
        if value is ABSENT or value is None:
            if rule.default is not None:
                value = rule.default
            elif rule.optional or (rule.join is not None and len(rule.source) > 1 and parts):
                continue
            else:
                problems.append(FieldProblem(base + src, "is required for this destination", "mapping"))
                return ABSENT
        parts.append(value)
    if not parts:
        return ABSENT
    value = rule.join.join(str(p) for p in parts) if rule.join is not None else parts[0]
    location = base + rule.source[0]
    if rule.codes is not None:
        key = str(value).lower() if isinstance(value, bool) else str(value)
        if key not in rule.codes:
            allowed = ", ".join(sorted(rule.codes))
            problems.append(FieldProblem(location, f"value {value!r} is not one of {allowed}", "code-list"))
            return ABSENT
        value = rule.codes[key]
    if rule.transform is not None:
        try:
            value = rule.transform(value)
        except (ValueError, TypeError) as exc:
            problems.append(FieldProblem(location, f"cannot be converted: {exc}", "transform"))
            return ABSENT
    return value


def _apply_rules(
    rules: tuple[FieldRule, ...],
    doc: Any,
    base: str,
    out: dict[str, Any],
    problems: list[FieldProblem],
) -> None:
    for rule in rules:
        if rule.when is not None and not condition_holds(doc, rule.when):
            continue
        if rule.each is not None:
            items = pointer.resolve(doc, rule.each, None)
            if items is None:
                if not rule.optional:
                    problems.append(FieldProblem(base + rule.each, "is required for this destination", "mapping"))
                continue
            if not isinstance(items, list):
                problems.append(FieldProblem(base + rule.each, "must be a list", "mapping"))
                continue
            group: list[dict[str, Any]] = []
            for i, item in enumerate(items):
                sub: dict[str, Any] = {}
                _apply_rules(rule.fields, item, pointer.join(base + rule.each, i), sub, problems)
                group.append(sub)
            pointer.assign(out, rule.target, group)
            continue
        value = rule_value(rule, doc, base, problems)
        if value is not ABSENT:
            pointer.assign(out, rule.target, value)


def apply_spec(spec: MappingSpec, envelope: dict[str, Any]) -> dict[str, Any]:
    """The target document for ``envelope``; raises :class:`MappingError` listing every problem."""
    out: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    _apply_rules(spec.fields, envelope, "", out, problems)
    if problems:
        raise MappingError(f"the submission cannot be mapped to {spec.standard}", problems)
    return out
