"""Cross-field checks of a service's form: what its JSON Schema cannot say, declared beside it.

A JSON Schema judges one value at a time; it cannot say that ``anlagen[].attachment`` names an
attachment that was posted, or that a period ends after it starts. A service entry of
``region.yaml`` names a checks file (``checks: forms/bauantrag.checks.yaml``) listing such rules;
the format is described in ``docs/cross-checks.md``. The file is checked against the form schema
when the region is loaded (:mod:`hub.routing.cross_check_file`), so a pointer that names no field
of the form fails the start-up, not a submission. At intake the checks run after the form schema
passed, so every value they read already has the schema's type, and each violation is reported at
the pointer of the field that is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from hub.errors import FieldProblem
from hub.mapping import pointer

ATTACHMENT_MEMBERS = ("fileName", "mediaType")
"""The members of a posted attachment a form item may be required to repeat."""


class CrossCheck(Protocol):
    def problems(self, envelope: Mapping[str, Any]) -> Iterator[FieldProblem]:
        """The violations in ``envelope`` (the posted body, its form valid against the schema)."""
        ...


@dataclass(frozen=True)
class AttachmentReference:
    """Every item of the list at ``each`` names a posted attachment by its index in member ``index``."""

    each: str
    index: str
    matches: tuple[tuple[str, str], ...] = ()
    """(item member, attachment member) pairs that must be equal: the item repeats the attachment's."""
    distinct: bool = False
    """No two items name the same attachment."""
    every_attachment: bool = False
    """Every posted attachment is named by an item (none travels undescribed)."""

    rule = "cross-check:attachment-reference"

    def problems(self, envelope: Mapping[str, Any]) -> Iterator[FieldProblem]:
        items = pointer.resolve(envelope, self.each, None)
        posted = envelope.get("attachments")
        attachments: Sequence[Any] = posted if isinstance(posted, list) else ()
        named: dict[int, str] = {}
        for k, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, Mapping) or item.get(self.index) is None:
                continue  # the schema's "required" speaks for a missing index
            at = pointer.join(self.each, k, self.index)
            number = _index(item[self.index])
            if number is None or number >= len(attachments):
                yield FieldProblem(at, _dangling(item[self.index], len(attachments)), self.rule)
                continue
            if self.distinct and number in named:
                yield FieldProblem(at, f"names attachment {number} like {named[number]} does", self.rule)
            named.setdefault(number, at)
            yield from self._mismatches(pointer.join(self.each, k), item, number, attachments[number])
        if self.every_attachment:
            for number in range(len(attachments)):
                if number not in named:
                    where = pointer.join("/attachments", number)
                    yield FieldProblem(where, f"is described by no item of {self.each}", self.rule)

    def _mismatches(self, at: str, item: Mapping[str, Any], number: int, attachment: Any) -> Iterator[FieldProblem]:
        if not isinstance(attachment, Mapping):
            return
        for mine, theirs in self.matches:
            value, expected = item.get(mine), attachment.get(theirs)
            if value is None or _same(theirs, value, expected):
                continue
            source = pointer.join("/attachments", number, theirs)
            yield FieldProblem(
                pointer.join(at, mine),
                f"is {value!r}, but the attachment it names has {expected!r} ({source})",
                self.rule,
            )


@dataclass(frozen=True)
class DateOrder:
    """The date at ``later`` is not before the date at ``earlier`` (both ``format: date``)."""

    earlier: str
    later: str

    rule = "cross-check:date-order"

    def problems(self, envelope: Mapping[str, Any]) -> Iterator[FieldProblem]:
        start = _date(pointer.resolve(envelope, self.earlier, None))
        end = _date(pointer.resolve(envelope, self.later, None))
        if start is not None and end is not None and end < start:
            yield FieldProblem(self.later, f"must not be before {self.earlier} ({start.isoformat()})", self.rule)


@dataclass(frozen=True)
class CrossChecks:
    """The checks declared for one service's form, from ``source``."""

    source: str
    checks: tuple[CrossCheck, ...]

    def problems(self, envelope: Mapping[str, Any]) -> list[FieldProblem]:
        return [problem for check in self.checks for problem in check.problems(envelope)]


def _index(value: Any) -> int | None:
    # A JSON number with a zero fraction (0.0) is an integer for the form schema and for the XBau
    # mapping's dokumentid, so it names that attachment here too.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _dangling(value: Any, posted: int) -> str:
    if posted == 0:
        return f"names attachment {value!r}, but the submission has no attachments"
    return f"names attachment {value!r}, but the submission has only attachments 0 to {posted - 1}"


def _same(member: str, value: Any, expected: Any) -> bool:
    if member == "mediaType" and isinstance(value, str) and isinstance(expected, str):
        # Media types are case-insensitive (RFC 9110 §8.3.1); parameters do not change the type.
        return _essence(value) == _essence(expected)
    return bool(value == expected)


def _essence(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
