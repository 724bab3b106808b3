"""Reading a service's checks file and checking each declaration against the service's form schema.

Every mistake is a :class:`~hub.errors.ConfigError` naming the file, the check's position and kind,
and what is wrong (an unknown key, a pointer that names no field of the form, a field of the wrong
type), so a deployment with a broken declaration does not start rather than letting data through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hub.errors import ConfigError
from hub.mapping import pointer
from hub.routing.cross_checks import ATTACHMENT_MEMBERS, AttachmentReference, CrossCheck, CrossChecks, DateOrder
from hub.routing.forms import FormSchema

FORM = "/form"


class _Declaration:
    """One entry of the file while it is read: its keys, its place for messages, and the form schema."""

    def __init__(self, raw: dict[str, Any], where: str, form: FormSchema) -> None:
        self.raw = raw
        self.where = where
        self.form = form

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {message}")

    def allow(self, required: set[str], optional: set[str]) -> None:
        keys = set(self.raw) - {"check"}
        missing = required - keys
        if missing:
            raise self.fail(f"lacks {', '.join(sorted(missing))}")
        unknown = keys - required - optional
        if unknown:
            raise self.fail(
                f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(required | optional))}"
            )

    def form_pointer(self, key: str) -> tuple[str, dict[str, Any]]:
        """The pointer under ``key`` (into the envelope, below ``/form``) and the schema of its field."""
        value = self.raw[key]
        if not isinstance(value, str) or not value.startswith(FORM + "/"):
            raise self.fail(f"{key} must be a JSON pointer into the form ({FORM}/...), got {value!r}")
        node: dict[str, Any] | None = self.form.schema
        for token in pointer.parse(value)[1:]:
            node = _property(self.form.schema, node, token)
        if node is None:
            raise self.fail(f"{key} {value!r} names no field of {self.form.source}")
        return value, node

    def member(self, item: dict[str, Any], key: str, name: Any) -> dict[str, Any]:
        found = _property(self.form.schema, item, name) if isinstance(name, str) else None
        if found is None:
            raise self.fail(f"{key} {name!r} is no member of the items of {self.raw['each']!r}")
        return found

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{key} must be true or false, got {value!r}")
        return value


def _resolved(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its local ``$ref`` (``#/$defs/...``) followed."""
    seen = 0
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 32:
        target = pointer.resolve(root, node["$ref"][1:], None)
        if not isinstance(target, dict):
            return node
        node, seen = target, seen + 1
    return node


def _property(root: dict[str, Any], node: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    if node is None:
        return None
    child = _resolved(root, node).get("properties", {}).get(name)
    return _resolved(root, child) if isinstance(child, dict) else None


def _attachment_reference(d: _Declaration) -> CrossCheck:
    d.allow({"each", "index"}, {"matches", "distinct", "everyAttachment"})
    each, array = d.form_pointer("each")
    items = array.get("items")
    if array.get("type") != "array" or not isinstance(items, dict):
        raise d.fail(f"each {each!r} is not a list of the form")
    item = _resolved(d.form.schema, items)
    if d.member(item, "index", d.raw["index"]).get("type") != "integer":
        raise d.fail(f"index {d.raw['index']!r} must be an integer member of the items of {each!r}")
    matches = d.raw.get("matches") or {}
    if not isinstance(matches, dict):
        raise d.fail("matches must map an item member to an attachment member (fileName: fileName)")
    for mine, theirs in matches.items():
        d.member(item, "matches", mine)
        if theirs not in ATTACHMENT_MEMBERS:
            raise d.fail(
                f"matches {mine}: {theirs!r} is no member of an attachment; known: {', '.join(ATTACHMENT_MEMBERS)}"
            )
    return AttachmentReference(
        each=each,
        index=str(d.raw["index"]),
        matches=tuple((str(k), str(v)) for k, v in matches.items()),
        distinct=d.flag("distinct"),
        every_attachment=d.flag("everyAttachment"),
    )


def _date_order(d: _Declaration) -> CrossCheck:
    d.allow({"earlier", "later"}, set())
    pointers = []
    for key in ("earlier", "later"):
        at, field = d.form_pointer(key)
        if field.get("format") != "date":
            raise d.fail(f"{key} {at!r} is not a date field (format: date)")
        pointers.append(at)
    return DateOrder(earlier=pointers[0], later=pointers[1])


KINDS: dict[str, Callable[[_Declaration], CrossCheck]] = {
    "attachment-reference": _attachment_reference,
    "date-order": _date_order,
}


def load_cross_checks(path: Path, form: FormSchema | None) -> CrossChecks:
    """The checks in ``path`` for the form ``form``; raises :class:`ConfigError` on any mistake."""
    if form is None:
        raise ConfigError(f"{path}: cross-field checks need the service's form schema (form: ...)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read cross-field checks: {exc}") from exc
    entries = raw.get("checks") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a mapping with a non-empty list 'checks'")
    checks = []
    for n, entry in enumerate(entries):
        kind = entry.get("check") if isinstance(entry, dict) else None
        where = f"{path}: checks[{n}] ({kind or '?'})"
        if not isinstance(kind, str) or kind not in KINDS:
            raise ConfigError(f"{where}: 'check' must be one of {', '.join(KINDS)}, got {kind!r}")
        checks.append(KINDS[kind](_Declaration(entry, where, form)))
    return CrossChecks(str(path), tuple(checks))
