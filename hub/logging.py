"""Structured logs: one JSON object per line, with the correlation id bound per request or delivery.

Log events carry ids, states and error texts only, never applicants' names, addresses or dates of
birth: the hub logs *about* submissions, not their content.
"""

from __future__ import annotations

import logging
import sys

import structlog

CORRELATION_HEADER = "X-Correlation-Id"
"""Header that carries a request's correlation id in, out, and with every stored message and callback."""


def configure(level: str = "INFO", fmt: str = "json") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    for noisy in ("httpx", "httpcore", "dramatiq", "pika", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
