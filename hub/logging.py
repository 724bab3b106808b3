"""Structured logs: one JSON object per line, with the correlation id bound per request or delivery.

Log events carry ids, states and error texts only, never applicants' names, addresses or dates of
birth: the hub logs *about* submissions, not their content. Exceptions are formatted by
:mod:`hub.log_errors`, which leaves out what database and validation errors quote.

The libraries' stdlib loggers (dramatiq, uvicorn, SQLAlchemy's pool, ...) go through structlog's
``ProcessorFormatter`` into the same shape (``event``, ``level``, ``logger``, ``timestamp``); both
write whole lines under one lock, so a library's line never lands inside one of the hub's.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

import structlog

from hub.log_errors import format_exc_info

CORRELATION_HEADER = "X-Correlation-Id"
"""Header that carries a request's correlation id in, out, and with every stored message and callback."""

CHATTY = ("httpx", "httpcore", "dramatiq", "pika", "alembic")
"""Libraries whose INFO lines are chatter: shown from WARNING on, unless HUB_LOG_LEVEL is DEBUG."""

NEVER_BELOW_WARNING = ("sqlalchemy",)
"""SQLAlchemy logs statements at INFO and result rows at DEBUG: applicants' data, at any HUB_LOG_LEVEL."""

_write_lock = threading.Lock()


def _write_line(line: str) -> None:
    # sys.stderr is looked up per line: a test's capture (or a redirect) replaces it.
    with _write_lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


class StderrLogger:
    """structlog's end of the pipeline: the rendered line to stderr, whatever the method."""

    def __init__(self, name: str = "hub") -> None:
        self.name = name

    def msg(self, message: str) -> None:
        _write_line(message)

    debug = info = warning = warn = error = critical = exception = fatal = failure = err = log = msg


def _stderr_logger(*args: Any) -> StderrLogger:
    return StderrLogger(args[0]) if args and isinstance(args[0], str) else StderrLogger()


class StderrHandler(logging.Handler):
    """The stdlib's end: each record formatted by structlog's ProcessorFormatter, written as a whole line."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _write_line(self.format(record))
        except Exception:
            self.handleError(record)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        format_exc_info,
    ]
    threshold = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )
    handler = StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(earlier)  # configure() again (tests, CLI) replaces, never doubles, lines
    root.addHandler(handler)
    root.setLevel(threshold)
    quiet = max(threshold, logging.WARNING)
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(threshold if threshold <= logging.DEBUG else quiet)
    for name in NEVER_BELOW_WARNING:
        logging.getLogger(name).setLevel(quiet)
