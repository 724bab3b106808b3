"""Health, readiness, metrics and the problem-type pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, Response

from hub.api.database_errors import unavailable
from hub.api.deps import Services
from hub.api.models import HealthOut, ReadyOut
from hub.api.openapi import problems
from hub.api.problems import KINDS, Problem
from hub.api.scanner_errors import scanner_unavailable

router = APIRouter(tags=["system"])


class MetricsResponse(Response):
    # The classic text format every Prometheus scrapes (the hub's names need none of 1.0.0's escaping).
    media_type = CONTENT_TYPE_PLAIN_0_0_4


@router.get("/healthz", summary="Liveness", response_model=HealthOut)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    response_model=ReadyOut,
    responses=problems(503),
)
async def readyz(services: Services) -> Response:
    health = services.health
    if not await run_in_threadpool(health.database_ready):
        raise unavailable()
    if not await run_in_threadpool(health.scanner_ready):  # intake refuses every attachment meanwhile
        raise scanner_unavailable()
    return JSONResponse({"status": "ready", "database": health.database_kind, "attachmentScanning": health.scanning})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=MetricsResponse,
    responses={200: {"description": "Prometheus text format 0.0.4"}, **problems(503)},
)
async def metrics(request: Request) -> Response:
    """The process's own metrics plus the delivery backlog read from the database."""
    own = generate_latest()
    backlog = await run_in_threadpool(generate_latest, request.app.state.metrics)
    return MetricsResponse(own + backlog)


@router.get(
    "/problems/{kind}",
    summary="What a problem type means",
    response_class=HTMLResponse,
    responses=problems(404, 422),
)
async def problem_page(kind: Annotated[str, Path(pattern=r"^[a-z][a-z-]{0,63}$")]) -> HTMLResponse:
    if kind not in KINDS:
        raise Problem("not-found", f"no problem type {kind!r}")
    status, title, explanation = KINDS[kind]
    return HTMLResponse(f"<!doctype html><title>{title}</title><h1>{status} {title}</h1><p>{explanation}</p>")
