"""The FastAPI application of one hub process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from hub import __version__
from hub.api import front_door
from hub.api.auth import Authenticator
from hub.api.backlog_metrics import BacklogCollector
from hub.api.database_errors import handle_database_error
from hub.api.inbound_metrics import InboundCollector
from hub.api.middleware import CorrelationMiddleware
from hub.api.openapi import build_document
from hub.api.problems import (
    Problem,
    handle_http_exception,
    handle_problem,
    handle_request_validation,
    problem_response,
)
from hub.api.routes import fitconnect, fitconnect_inbound, operator, replies, submissions, system
from hub.api.submission_schema import build_contract
from hub.console import mount_console
from hub.log_errors import describe
from hub.service.services import HubServices

log = structlog.get_logger(__name__)

DESCRIPTION = """Intake of online applications from the municipal portals of the Emscher-Lippe region.

Portals post a submission; the hub validates it, routes it to every system that must receive it,
maps it to each one's format and delivers it with retries. Errors are `application/problem+json`
(RFC 9457). Authenticate with `Authorization: Bearer <API key>`.

Each service's form is typed in `SubmissionRequest` (one branch per service, `service` telling which).
Not in this document: `GET /` (redirects to the operator console) and the console under `/console`.
"""


class HubProcess(Protocol):
    """What the app is built from (:class:`hub.bootstrap.HubContext`): the services it calls, and the
    delivery workers it runs beside itself when it is the only process (``memory://``)."""

    @property
    def services(self) -> HubServices: ...

    def start_worker(self, threads: int | None = None) -> None: ...

    def stop_worker(self) -> None: ...


def create_app(hub: HubProcess, *, run_worker: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_worker:
            await run_in_threadpool(hub.start_worker)
        yield
        if run_worker:
            await run_in_threadpool(hub.stop_worker)

    app = FastAPI(
        title="Emscher-Lippe integration hub",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    services = hub.services
    app.state.services = services
    app.state.metrics = CollectorRegistry()
    app.state.metrics.register(BacklogCollector(services.queries))
    app.state.metrics.register(InboundCollector(services.inbound_counts, services.inbound_waiting))
    app.state.auth = Authenticator(services.access)
    app.state.contract = build_contract(services.region)
    app.add_exception_handler(Problem, handle_problem)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    app.add_exception_handler(SQLAlchemyError, handle_database_error)
    app.include_router(submissions.router)
    app.include_router(replies.router)
    app.include_router(operator.router)
    app.include_router(system.router)
    app.include_router(fitconnect.router)
    app.include_router(fitconnect_inbound.router)
    app.include_router(front_door.router)
    mount_console(app, services)

    app.add_middleware(CorrelationMiddleware)

    async def internal_error(request: Request, exc: Exception) -> Response:
        # describe(): a database error's text quotes the values it failed on (uvicorn logs the
        # traceback after this, through the same redacting formatter).
        log.error("request_failed", path=request.url.path, error=describe(exc))
        return problem_response(Problem("internal-error"), request)

    app.add_exception_handler(Exception, internal_error)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app, app.state.contract)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
