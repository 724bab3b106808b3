"""The console's pages (GET): dead letters, a submission's trace, search, audit log, login."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.console.session import LOGIN_COOKIE, ConsoleSession, new_login_token, services_of, set_cookie
from hub.domain.masking import mask_json
from hub.service.access import OperatorAccount
from hub.service.personal_data import NotVisible, Reader
from hub.service.queries import ERROR_KINDS
from hub.xml.masking import mask_xml

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
EXCERPT_CHARS = 20_000


def visible_destinations(request: Request, operator: OperatorAccount) -> list[Any]:
    return [d for d in services_of(request).region.destinations.values() if operator.sees(d.municipality)]


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.astimezone()


def page(request: Request, template: str, session: Any, **context: Any) -> Response:
    return templates.TemplateResponse(
        request,
        template,
        {"operator": session.operator, "csrf_token": session.csrf_token, "notice": request.query_params.get("done"),
         **context},
    )  # fmt: skip


@router.get("/login")
async def login_page(request: Request) -> Response:
    token = new_login_token()
    failed = request.query_params.get("failed") == "1"
    response = templates.TemplateResponse(request, "login.html", {"login_token": token, "failed": failed})
    set_cookie(response, request, LOGIN_COOKIE, token, max_age=900)
    return response


@router.get("/dead-letters")
async def dead_letters(
    request: Request,
    session: ConsoleSession,
    destination: str | None = None,
    municipality: str | None = None,
    service: str | None = None,
    error_kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    operator = session.operator
    filters = {"destination": destination or "", "municipality": municipality or "", "service": service or "",
               "error_kind": error_kind or "", "since": since or "", "until": until or ""}  # fmt: skip
    services = services_of(request)
    letters = await run_in_threadpool(
        lambda: services.queries.dead_letters(
            municipalities=operator.scope,
            destination=destination or None,
            municipality=municipality or None,
            service=service or None,
            error_kind=error_kind or None,
            since=_when(since),
            until=_when(until),
        )
    )
    return page(
        request,
        "dead_letters.html",
        session,
        letters=letters,
        filters=filters,
        destinations=[d.id for d in visible_destinations(request, operator)],
        municipalities=[m for m in services.region.municipalities.values() if operator.sees(m.ags)],
        services=sorted(services.region.services),
        error_kinds=ERROR_KINDS,
    )


@router.get("/submissions/{submission_id}")
async def trace(request: Request, session: ConsoleSession, submission_id: str) -> Response:
    services = services_of(request)
    queries = services.queries
    try:
        read = await run_in_threadpool(
            lambda: services.personal_data.read(
                Reader.console(session.operator), submission_id, deliveries=False, events=True, messages=True
            )
        )
    except NotVisible:
        read = None
    if read is None:
        raise HTTPException(404, "no such submission")  # 404, not 403: a foreign id reveals nothing
    view, events, messages, clear = read.submission, read.events, read.messages, not read.masked
    shown = {m.delivery_id: _render_message(m.media_type, m.payload, clear) for m in messages}
    destination_of = {d.id: d.destination_id for d in view.deliveries}
    reports = await run_in_threadpool(
        lambda: {
            m.delivery_id: queries.validation_report(
                m, destination_id=destination_of.get(m.delivery_id, ""), service=view.service
            )
            for m in messages
        }
    )
    if not clear:  # a schema error may quote the offending value, which may be personal data
        reports = {k: replace(r, problems=tuple(mask_quoted_values(p) for p in r.problems)) for k, r in reports.items()}
    attempts: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e.kind == "attempt" and e.delivery_id:
            attempts.setdefault(e.delivery_id, []).append(e.detail)
    return page(
        request,
        "submission.html",
        session,
        submission=view,
        events=events,
        attempts=attempts,
        messages=shown,
        reports=reports,
        masked=not clear,
    )


_QUOTED_VALUE = re.compile(r"(The value |value )'[^']*'|'[^']*'(?= is not (a )?valid)")


def mask_quoted_values(problem: str) -> str:
    """A validator's message without the value it quotes (``The value '…'``), kept for admins only."""
    return _QUOTED_VALUE.sub(lambda m: (m.group(1) or "") + "'…'", problem)


def _render_message(media_type: str, payload: bytes | None, clear: bool) -> str:
    if payload is None:
        return "(content purged under the retention rules or erased on request)"
    try:
        if "json" in media_type:
            value = json.loads(payload)
            return json.dumps(value if clear else mask_json(value), ensure_ascii=False, indent=2)[:EXCERPT_CHARS]
        if "xml" in media_type:
            return (payload if clear else mask_xml(payload)).decode("utf-8", "replace")[:EXCERPT_CHARS]
    except ValueError:
        pass
    return f"({media_type}, {len(payload)} bytes, not shown)"


@router.get("/search")
async def search(
    request: Request,
    session: ConsoleSession,
    q: str | None = None,
    municipality: str | None = None,
    service: str | None = None,
) -> Response:
    operator = session.operator
    asked = bool(q or municipality or service)
    services = services_of(request)
    hits = (
        await run_in_threadpool(
            lambda: services.queries.search(
                municipalities=operator.scope,
                text=(q or "").strip() or None,
                municipality=municipality or None,
                service=service or None,
            )
        )
        if asked
        else []
    )
    return page(
        request,
        "search.html",
        session,
        hits=hits,
        asked=asked,
        q=q or "",
        municipality=municipality or "",
        service=service or "",
        municipalities=[m for m in services.region.municipalities.values() if operator.sees(m.ags)],
        services=sorted(services.region.services),
    )


@router.get("/audit")
async def audit(
    request: Request, session: ConsoleSession, action: str | None = None, target: str | None = None
) -> Response:
    if session.operator.role != "admin":
        raise HTTPException(403, "the audit log is for admins")
    entries = await run_in_threadpool(
        lambda: services_of(request).queries.audit_entries(
            action=_filter_text(action, 40), target=_filter_text(target, 120), limit=200
        )
    )
    return page(
        request, "audit.html", session, entries=entries, action=action or "", target=target or "",
        actions=AUDIT_ACTIONS,
    )  # fmt: skip


def _filter_text(value: str | None, limit: int) -> str | None:
    """A typed filter as the database can compare it: PostgreSQL refuses NUL characters in text."""
    return (value or "").replace("\x00", "").strip()[:limit] or None


AUDIT_ACTIONS = (
    "read-personal-data",
    "replay",
    "pause",
    "resume",
    "reset_circuit",
    "inbound-release",
    "inbound-discard",
    "login",
    "login_failed",
    "logout",
)
"""The actions the filter offers (any other can still be given in the URL)."""
