"""NUL characters in a posted body: refused at intake, wherever they are, before anything is stored.

PostgreSQL cannot store U+0000 in ``text`` or ``jsonb`` (the insert fails), XML 1.0 cannot carry it,
and no form field needs it; SQLite would store it, so one database would accept what the other
refuses. Intake looks for it in the body's canonical JSON, which it serializes anyway for the
request hash: JSON can only carry a NUL as the escape ``\\u0000``, so the common case costs a scan
of bytes. Only when the escape is there is the parsed body walked, to name every place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.errors import FieldProblem
from hub.mapping import pointer

NUL = "\x00"
ESCAPED_NUL = b"\\u0000"
"""How orjson (and any JSON text) writes U+0000; an escaped backslash before ``u0000`` only makes
the walk run for nothing."""

RULE = "nul-character"


def nul_problems(body: Any, canonical: bytes) -> list[FieldProblem]:
    """Every string (or member name) of ``body`` holding a NUL; ``canonical`` is ``body`` as JSON."""
    if ESCAPED_NUL not in canonical:
        return []
    return list(_walk(body, ""))


def _walk(node: Any, at: str) -> Iterator[FieldProblem]:
    if isinstance(node, str):
        if NUL in node:
            yield FieldProblem(at, "contains a NUL character", RULE)
    elif isinstance(node, dict):
        for name, value in node.items():
            if NUL in name:
                # The member's own pointer would carry the NUL into the answer; its object is named.
                yield FieldProblem(at, "has a member whose name contains a NUL character", RULE)
                continue
            yield from _walk(value, pointer.join(at, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, pointer.join(at, index))
