"""Database outages at the API: 503 with ``Retry-After``, never 500, and nothing half-stored.

Every request's database work runs in one transaction (``Database.write``/``read``), so a
connection that fails mid-request rolls back on the server; the portal retries with its
Idempotency-Key. Should the connection break during COMMIT itself, the retry finds the committed
submission and answers 202 with ``Idempotent-Replayed``.
"""

from __future__ import annotations

import structlog
from fastapi import Request
from starlette.responses import Response

from hub.api.problems import Problem, problem_response
from hub.log_errors import describe
from hub.service.services import HubServices

RETRY_AFTER_SECONDS = 5
"""Long enough for a restarting PostgreSQL or a released SQLite lock, short enough for a portal's user."""

log = structlog.get_logger(__name__)


async def handle_database_error(request: Request, exc: Exception) -> Response:
    """An outage answers 503; any other database error is the hub's bug: 500, logged with its traceback.

    Both are answered here rather than by the catch-all 500 handler: that one hands the exception
    on to uvicorn, which then drops the portal's keep-alive connection under its next request.
    """
    services: HubServices = request.app.state.services
    if services.health.is_outage(exc):
        log.warning("database_unavailable", path=request.url.path, method=request.method, error=describe(exc))
        return problem_response(unavailable(), request)
    log.error("request_failed", path=request.url.path, method=request.method, error=describe(exc), exc_info=exc)
    return problem_response(Problem("internal-error"), request)


def unavailable() -> Problem:
    return Problem(
        "database-unavailable",
        "the database cannot be reached; retry later",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
