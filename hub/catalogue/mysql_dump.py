"""The rows of one table from a ``mysqldump`` file, without a MySQL server.

``mysqldump`` writes each table's data as ``INSERT INTO `t` (`a`, `b`) VALUES (..),(..);`` (with
``--complete-insert``, as the OZG database's dump has it; one tuple per line or all on one). Values
are ``NULL``, numbers or single-quoted strings with MySQL's backslash escapes (``\\'``, ``\\\\``,
``\\n``, ``\\r``, ``\\t``, ``\\0``, ``\\Z``, and ``''`` for a quote). This reads exactly that and
refuses anything else with the line it stopped at: a dump it misreads must fail, not import
half a catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Value = str | int | float | None

_INSERT = re.compile(r"INSERT INTO `(?P<table>[^`]+)` \((?P<columns>[^)]*)\) VALUES\s*")
_ESCAPES = {"0": "\0", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "b": "\b"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


class DumpError(ValueError):
    """The dump is not in the form this reader knows; the message names the line."""


def rows(text: str, table: str) -> Iterator[dict[str, Value]]:
    """Every row of ``table`` in the dump, as column -> value, in the dump's order."""
    for match in _INSERT.finditer(text):
        if match.group("table") != table:
            continue
        columns = [c.strip().strip("`") for c in match.group("columns").split(",")]
        for values, at in _tuples(text, match.end()):
            if len(values) != len(columns):
                raise DumpError(f"line {_line(text, at)}: {len(values)} values for {len(columns)} columns of {table}")
            yield dict(zip(columns, values, strict=True))


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _tuples(text: str, at: int) -> Iterator[tuple[list[Value], int]]:
    """The value tuples from ``at`` up to the statement's closing ``;``."""
    while True:
        at = _skip_space(text, at)
        if not text.startswith("(", at):
            raise DumpError(f"line {_line(text, at)}: expected '(' of a row")
        start = at
        values, at = _values(text, at + 1)
        yield values, start
        at = _skip_space(text, at)
        if text.startswith(",", at):
            at += 1
            continue
        if text.startswith(";", at):
            return
        raise DumpError(f"line {_line(text, at)}: expected ',' or ';' after a row")


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _values(text: str, at: int) -> tuple[list[Value], int]:
    values: list[Value] = []
    while True:
        at = _skip_space(text, at)
        value, at = _value(text, at)
        values.append(value)
        at = _skip_space(text, at)
        if text.startswith(",", at):
            at += 1
        elif text.startswith(")", at):
            return values, at + 1
        else:
            raise DumpError(f"line {_line(text, at)}: expected ',' or ')' in a row")


def _value(text: str, at: int) -> tuple[Value, int]:
    if text.startswith("'", at):
        return _string(text, at + 1)
    if text.startswith("NULL", at):
        return None, at + 4
    number = _NUMBER.match(text, at)
    if number is None:
        raise DumpError(f"line {_line(text, at)}: cannot read the value {text[at : at + 20]!r}")
    literal = number.group(0)
    return (float(literal) if number.group(1) or number.group(2) else int(literal)), number.end()


def _string(text: str, at: int) -> tuple[str, int]:
    parts: list[str] = []
    start = at
    while True:
        stop = _next_special(text, at)
        if stop < 0:
            raise DumpError(f"line {_line(text, start)}: a string is not closed")
        parts.append(text[at:stop])
        if text[stop] == "\\":
            escaped = text[stop + 1 : stop + 2]
            parts.append(_ESCAPES.get(escaped, escaped))  # \' \" \\ \% \_ stand for themselves
            at = stop + 2
        elif text.startswith("''", stop):
            parts.append("'")
            at = stop + 2
        else:
            return "".join(parts), stop + 1


def _next_special(text: str, at: int) -> int:
    quote, backslash = text.find("'", at), text.find("\\", at)
    if quote < 0:
        return -1
    return backslash if 0 <= backslash < quote else quote
