"""Health, readiness, metrics and the problem-type pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, Response

from hub.api.database_errors import unavailable
from hub.api.deps import Hub
from hub.api.problems import KINDS, Problem

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers")
async def readyz(hub: Hub) -> Response:
    def ping() -> None:
        with hub.db.read() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception as exc:  # whatever fails, the process cannot serve: not ready
        raise unavailable() from exc
    return JSONResponse({"status": "ready", "database": hub.db.dialect})


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=True)
async def metrics(request: Request) -> Response:
    """The process's own metrics plus the delivery backlog read from the database."""
    own = generate_latest()
    backlog = await run_in_threadpool(generate_latest, request.app.state.metrics)
    return Response(own + backlog, media_type=CONTENT_TYPE_LATEST)


@router.get("/problems/{kind}", summary="What a problem type means", response_class=HTMLResponse)
async def problem_page(kind: str) -> HTMLResponse:
    if kind not in KINDS:
        raise Problem("not-found", f"no problem type {kind!r}")
    status, title, explanation = KINDS[kind]
    return HTMLResponse(f"<!doctype html><title>{title}</title><h1>{status} {title}</h1><p>{explanation}</p>")
