"""Exceptions as log lines may show them: classes, codes and frames, never the data they quote.

A database error's text quotes what it failed on: PostgreSQL's ``DETAIL: Key (…)=(…)``, a
driver's ``invalid input syntax for type uuid: "…"``, SQLAlchemy's ``[SQL: …]`` with its bound
parameters (attachment names, receivers' texts, applicants' data). A pydantic error quotes the
input it refused. Here each of them is described by what identifies it (class, SQLSTATE, the
constraint, table and column it names, the fields it refused) and everything else keeps its text.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

import pydantic
from sqlalchemy import exc as sa_exc

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

_DRIVERS = frozenset({"psycopg", "psycopg2", "sqlite3"})
_CONNECTION_ERRORS = frozenset({"OperationalError", "InterfaceError", "ConnectionTimeout"})
_DIAGNOSTICS = ("schema_name", "table_name", "column_name", "constraint_name", "datatype_name")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def describe(error: BaseException) -> str:
    """``Class: text`` of ``error``, with database and validation errors reduced to what identifies them."""
    name = type(error).__name__
    if isinstance(error, sa_exc.StatementError):
        # Its text is the driver's message, the statement and its parameters: the cause says enough.
        orig = error.orig
        return f"{name} ({describe(orig)})" if orig is not None else f"{name} (statement failed)"
    if isinstance(error, pydantic.ValidationError):
        fields = ", ".join(
            f"{'/'.join(str(part) for part in e['loc']) or '(root)'} [{e['type']}]" for e in error.errors()
        )
        return f"{name}: {error.error_count()} errors for {error.title}: {fields}"
    if type(error).__module__.split(".")[0] in _DRIVERS:
        return f"{name}{_driver_codes(error)}"
    return f"{name}: {error}" if str(error) else name


def _driver_codes(error: BaseException) -> str:
    codes: list[str] = []
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        codes.append(f"sqlstate={sqlstate}")
    diag = getattr(error, "diag", None)
    for field in _DIAGNOSTICS if diag is not None else ():
        value = getattr(diag, field, None)
        if value:
            codes.append(f"{field.removesuffix('_name')}={value}")
    sqlite_name = getattr(error, "sqlite_errorname", None)
    if sqlite_name:
        # SQLite's messages name tables, columns and constraints, never the values bound.
        codes.append(f"{sqlite_name}: {error}")
    elif not codes and type(error).__name__ in _CONNECTION_ERRORS:
        # Without a server's code these are the client's own words about the connection (refused,
        # closed, timed out); other client-side texts may quote values read or written.
        codes.append(str(error).splitlines()[0][:300] if str(error) else "connection failed")
    return f" ({', '.join(codes)})" if codes else ""


def format_exception(error: BaseException) -> str:
    """A traceback like Python's (causes first, then the error), each exception's line by :func:`describe`."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts: list[str] = []
    for exception, link_to_next in reversed(chain):
        if exception.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(exception.__traceback__))
        parts.append(describe(exception) + "\n")
        if link_to_next:
            parts.append(link_to_next)
    return "".join(parts).rstrip("\n")


def exc_info_of(value: Any) -> ExcInfo | None:
    """The exception a log call's ``exc_info`` means (``True``: the one being handled), or ``None``."""
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value
    if value is True:
        current = sys.exc_info()
        return current if current[1] is not None else None
    return None


def format_exc_info(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: ``exc_info`` becomes ``exception``, formatted by :func:`format_exception`."""
    info = exc_info_of(event_dict.pop("exc_info", None))
    if info is not None:
        event_dict["exception"] = format_exception(info[1])
    return event_dict
