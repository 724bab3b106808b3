"""JSON pointers (RFC 6901): read from a source document, write into a target document."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_MISSING = object()


@lru_cache(maxsize=8192)
def parse(pointer: str) -> tuple[str, ...]:
    """The pointer's reference tokens (cached: specs resolve the same few pointers on every intake)."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/"))


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join(base: str, *tokens: str | int) -> str:
    return base + "".join("/" + escape(t) for t in tokens)


def resolve(doc: Any, pointer: str, default: Any = _MISSING) -> Any:
    """The value at ``pointer``, or ``default`` (``KeyError`` if none given) when it is absent."""
    node = doc
    for token in parse(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            if default is _MISSING:
                raise KeyError(pointer)
            return default
    return node


def exists(doc: Any, pointer: str) -> bool:
    return resolve(doc, pointer, _MISSING) is not _MISSING


def assign(doc: dict[str, Any], pointer: str, value: Any) -> None:
    """Set ``value`` at ``pointer`` in ``doc``, creating intermediate objects."""
    tokens = parse(pointer)
    if not tokens:
        raise ValueError("cannot assign to the document root")
    node = doc
    for token in tokens[:-1]:
        child = node.get(token)
        if not isinstance(child, dict):
            child = {}
            node[token] = child
        node = child
    node[tokens[-1]] = value
