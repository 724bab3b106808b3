"""Reading a JSON request body: media type (415), size (413), UTF-8, syntax and duplicate keys (400).

Every route that takes a body reads it here, so a body that is not JSON gets the same problem on
each of them instead of a framework error (a non-UTF-8 body used to escape as a 500).

Duplicate keys are refused because a gateway in front of the hub may read the first value of a
repeated key where the hub would read the last: both must see the same submission. orjson (the
fast parser) cannot report them, so a second pass with the standard library's C scanner checks
the object key counts; it costs a few microseconds per kilobyte, and only a failing body is walked
again to name the key's pointer.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import Request

from hub.api.problems import Problem
from hub.errors import FieldProblem
from hub.mapping import pointer


class _DuplicateKey(Exception):
    pass


class _Pairs(list[tuple[str, Any]]):
    """An object as parsed, before keys are merged: what the walk for the duplicate's pointer reads."""


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    merged = dict(pairs)
    if len(merged) != len(pairs):
        raise _DuplicateKey
    return merged


_CHECKER = json.JSONDecoder(object_pairs_hook=_refuse_repeats)
_KEEPER = json.JSONDecoder(object_pairs_hook=_Pairs)


def _first_repeat(value: Any, at: str) -> tuple[str, str] | None:
    """(pointer of the object, repeated key) of the first duplicate in document order."""
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, _ in value:
            if key in seen:
                return at, key
            seen.add(key)
        children = [(pointer.join(at, key), item) for key, item in value]
    elif isinstance(value, list):
        children = [(pointer.join(at, i), item) for i, item in enumerate(value)]
    else:
        return None
    for child_at, item in children:
        found = _first_repeat(item, child_at)
        if found is not None:
            return found
    return None


def _duplicate_key_problem(text: str) -> Problem:
    found = _first_repeat(_KEEPER.decode(text), "")
    at, key = found if found is not None else ("", "?")
    return Problem(
        "duplicate-key",
        f"the key {key!r} occurs more than once in the object at {at or 'the top level'!r}",
        errors=[FieldProblem(pointer.join(at, key), "occurs more than once in its object", "duplicate-key")],
    )


def parse_json(raw: bytes) -> Any:
    """The body's JSON value; ``Problem`` 400 when it is not UTF-8, not JSON or repeats a key."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(
            "malformed-json", f"the body is not UTF-8: byte {exc.start} is {raw[exc.start : exc.start + 1]!r}"
        ) from None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Problem("malformed-json", f"the body is not valid JSON: {exc}") from None
    try:
        _CHECKER.decode(text)
    except _DuplicateKey:
        raise _duplicate_key_problem(text) from None
    return value


def is_json_media_type(content_type: str) -> bool:
    ctype = content_type.split(";")[0].strip().lower()
    return ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))


async def read_json_body(request: Request, limit: int) -> Any:
    """The body as JSON, enforcing content type (415), size (413) and syntax (400)."""
    ctype = request.headers.get("content-type", "")
    if not is_json_media_type(ctype):
        shown = ctype.split(";")[0].strip().lower()
        raise Problem("unsupported-media-type", f"got {shown or 'no content type'!r}, expected application/json")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem("payload-too-large", f"{declared} bytes exceed the limit of {limit} bytes", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem("payload-too-large", f"the body exceeds the limit of {limit} bytes", limit=limit)
        chunks.append(chunk)
    return parse_json(b"".join(chunks))
