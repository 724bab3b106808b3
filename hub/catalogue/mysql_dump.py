"""The rows of one table from a ``mysqldump`` file, without a MySQL server.

``mysqldump`` writes each table's data as ``INSERT INTO `t` (`a`, `b`) VALUES (..),(..);`` (with
``--complete-insert``, as the OZG database's dump has it; one tuple per line or all on one line,
a large table split over several statements). Values are ``NULL``, numbers or single-quoted
strings with MySQL's backslash escapes (``\\0``, ``\\'``, ``\\"``, ``\\b``, ``\\n``, ``\\r``,
``\\t``, ``\\Z``, ``\\\\``; ``''`` for a quote; a backslash before any other character stands for
that character).

The dump is read statement by statement from its start, so text inside a string (an ``INSERT
INTO`` in a description, a ``;`` or ``),(`` in a name) is never taken for SQL. Statements of other
tables and everything else (``LOCK TABLES``, ``/*!40000 ... */``, ``--`` comments) are skipped by
their quoting rules only. The table's own statements are read exactly, and anything else in them
is refused with the line it stopped at: a dump it misreads must fail, not import half a catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator

Value = str | int | float | None

_INSERT = re.compile(r"INSERT INTO `(?P<table>[^`]+)`\s*(?:\((?P<columns>[^)]*)\)\s*)?VALUES\s*")
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
# Between statements: blanks and comments (``/*!40000 ... */`` too: its ``;`` follows it).
_GAP = re.compile(r"(?:\s+|--[^\n]*|#[^\n]*|/\*.*?\*/)*", re.S)
# In a statement of another table only what can hide a ';' matters: quoted text and comments.
_SKIPPED = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`[^`]*`|/\*.*?\*/|--[^\n]*|#[^\n]*|;", re.S)


class DumpError(ValueError):
    """The dump is not in the form this reader knows; the message names the line."""


def rows(text: str, table: str, *, progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Value]]:
    """Every row of ``table`` in the dump, as column -> value, in the dump's order.

    ``progress`` is told the offset in ``text`` reached after each row and each skipped statement.
    """
    at = 0
    while True:
        at = _gap(text, at)
        if progress is not None:
            progress(at)
        if at >= len(text):
            return
        header = _INSERT.match(text, at)
        if header is None or header.group("table") != table:
            at = _statement_end(text, at)
        else:
            at = yield from _insert_rows(text, header, progress)


def _insert_rows(
    text: str, header: re.Match[str], progress: Callable[[int], None] | None
) -> Generator[dict[str, Value], None, int]:
    """The rows of one ``INSERT`` statement; returns the offset just past its ``;``."""
    table = header.group("table")
    if header.group("columns") is None:
        raise DumpError(f"line {_line(text, header.start())}: INSERT INTO `{table}` without column names "
                        "(dump it with mysqldump --complete-insert)")  # fmt: skip
    columns = [c.strip().strip("`") for c in header.group("columns").split(",")]
    at = header.end()
    while True:
        values, start, at = _tuple(text, at)
        if len(values) != len(columns):
            raise DumpError(f"line {_line(text, start)}: {len(values)} values for {len(columns)} columns of {table}")
        yield dict(zip(columns, values, strict=True))
        if progress is not None:
            progress(at)
        at = _skip_space(text, at)
        if text.startswith(";", at):
            return at + 1
        if not text.startswith(",", at):
            raise DumpError(f"line {_line(text, at)}: expected ',' or ';' after a row")
        at += 1


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _gap(text: str, at: int) -> int:
    gap = _GAP.match(text, at)
    return at if gap is None else gap.end()


def _statement_end(text: str, at: int) -> int:
    """Just past the ``;`` that ends the statement at ``at``."""
    for token in _SKIPPED.finditer(text, at):
        if token.group(0) == ";":
            return token.end()
    raise DumpError(f"line {_line(text, at)}: a statement is not closed")


def _tuple(text: str, at: int) -> tuple[list[Value], int, int]:
    """The values of the row tuple at ``at``, where it starts and the offset just past its ``)``."""
    at = _skip_space(text, at)
    if not text.startswith("(", at):
        raise DumpError(f"line {_line(text, at)}: expected '(' of a row")
    start, at = at, at + 1
    values: list[Value] = []
    while True:
        value, at = _value(text, _skip_space(text, at))
        values.append(value)
        at = _skip_space(text, at)
        if text.startswith(",", at):
            at += 1
        elif text.startswith(")", at):
            return values, start, at + 1
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
            if stop + 1 >= len(text):
                raise DumpError(f"line {_line(text, start)}: a string is not closed")
            escaped = text[stop + 1]
            # MySQL keeps the backslash of \% and \_ (LIKE's escapes) outside a pattern.
            parts.append(_ESCAPES.get(escaped, "\\" + escaped if escaped in "%_" else escaped))
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
