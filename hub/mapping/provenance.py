"""From a place in a JSON-target mapping's output back to the submission's field it came from.

The mapping spec says where each target value comes from; this follows it backwards, so a
problem a receiver's interface finds in the mapped document (``Hunde/Hund/1/Name`` is too long for a
vendor's WSDL, ``/antrag/einkommen`` breaks a FIT-Connect data schema) is reported at the JSON pointer
the portal posted (``/form/dogs/1/name``). A value a function makes is reported at the rule's
``pointer:`` when the spec names one. Where no single rule produced the place (a missing child of a
structure, a function without ``pointer:``), the pointer is the deepest source location the rules
around that place have in common, and at worst the whole submission (``""``).
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.mapping import pointer
from hub.mapping.spec import FieldRule, MappingSpec


def source_pointer(spec: MappingSpec, target: Sequence[str | int]) -> str:
    """The envelope's JSON pointer for the target place ``target`` (tokens into the mapped document)."""
    return _locate(spec.fields, tuple(str(t) for t in target), "")


def _locate(rules: Sequence[FieldRule], target: tuple[str, ...], base: str) -> str:
    for rule in rules:
        tokens = pointer.parse(rule.target)
        if target[: len(tokens)] != tokens:
            continue
        rest = target[len(tokens) :]
        if rule.each is not None:
            if not rest:
                return base + rule.each
            if not rest[0].isdigit():
                continue
            item = pointer.join(base + rule.each, int(rest[0]))
            return _locate(rule.fields, rest[1:], item) if rest[1:] else item
        if not rest:
            if rule.source:
                return base + rule.source[0]
            if rule.pointer is not None:
                return base + rule.pointer
            # A constant or an unnamed function: its siblings tell which part of the payload this is.
            return _common_source(rules, target[:-1], base) if target else base
        if rule.source or rule.pointer is not None:
            # A value below a leaf (a structure the receiver expected where the spec puts one value).
            return base + (rule.source[0] if rule.source else rule.pointer or "")
    return _common_source(rules, target, base)


def _common_source(rules: Sequence[FieldRule], target: tuple[str, ...], base: str) -> str:
    """The longest pointer shared by the sources of every rule that writes below ``target``, or below
    its nearest ancestor that has any (a missing element: its siblings tell where its structure is)."""
    for length in range(len(target), -1, -1):
        sources = [
            pointer.parse(base + source)
            for rule in rules
            if pointer.parse(rule.target)[:length] == target[:length]
            for source in [rule.each or (rule.source[0] if rule.source else rule.pointer)]
            if source
        ]
        if sources:
            break
    else:
        return base
    common: list[str] = []
    for tokens in zip(*sources, strict=False):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    return pointer.join("", *common) if common else base
