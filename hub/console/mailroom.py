"""The mailroom (``/console/mailroom``): received messages by source and state, and the quarantine.

The list and a message's page show header facts, hashes, sizes and the quarantine's reason, never
the message itself: its content is personal data, and the console leaves it to the audited
``hub inbound show --content``. Release and discard (operator and admin roles, CSRF-checked) are
the use cases ``hub inbound release|discard`` call, which write the audit log; an operator sees and
acts on the messages of their municipalities only (another's is 404, as if it did not exist).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from hub.console.pages import mask_quoted_values, page
from hub.console.session import PATH, CheckedForm, ConsoleSession, services_of
from hub.domain.clock import utcnow
from hub.domain.inbound import InboundState
from hub.service.access import OperatorSession
from hub.service.inbound_cases import NotInQuarantine, ReleaseRefused, UnknownMessage
from hub.service.mailroom import Mailroom

router = APIRouter(prefix="/console", include_in_schema=False)
STATES = tuple(s.value for s in InboundState)
STATE_LABELS = {InboundState.RECEIVED.value: "case", InboundState.QUARANTINED.value: "quarantined",
                InboundState.DISCARDED.value: "discarded"}  # fmt: skip
"""How operators name the states: a received message that passed is a case."""
REASON_CHARS = 500


def _mailroom(request: Request) -> Mailroom:
    mailroom = services_of(request).mailroom
    if mailroom is None:
        raise HTTPException(404, "the mailroom is not configured")
    return mailroom


def _back(message_id: str, done: str) -> Response:
    return RedirectResponse(f"{PATH}/mailroom/{message_id}?{urlencode({'done': done})}", status_code=303)


def _may_act(session: OperatorSession) -> None:
    if not session.operator.may_act:
        raise HTTPException(403, "viewers may not change anything")


def _reason(form: Any) -> str:
    return str(form.get("reason") or "").replace("\x00", "").strip()[:REASON_CHARS]


@router.get("/mailroom")
async def mailroom(
    request: Request,
    session: ConsoleSession,
    source: str | None = None,
    state: str | None = None,
    municipality: str | None = None,
) -> Response:
    operator = session.operator
    services = services_of(request)
    filters = {"source": source or "", "state": state if state in STATES else "", "municipality": municipality or ""}
    box = _mailroom(request)
    rows = await run_in_threadpool(
        lambda: box.messages(
            municipalities=operator.scope,
            source_id=filters["source"] or None,
            state=filters["state"] or None,
            municipality=filters["municipality"] or None,
        )
    )
    sources = [s for s in services.region.inbound.values() if operator.sees(s.municipality)]
    names = {m.ags: m.name for m in services.region.municipalities.values()}
    visible = {s.id for s in sources}
    now = utcnow()
    unanswered = [
        (w, level.value, w.age(now).days)
        for w in await run_in_threadpool(services.inbound_waiting)
        if w.source_id in visible and (level := w.urgency(now)) is not None
    ]
    return page(
        request,
        "mailroom.html",
        session,
        rows=rows,
        filters=filters,
        sources=sources,
        states=STATES,
        labels=STATE_LABELS,
        names=names,
        unanswered=unanswered,
        municipalities=[m for m in services.region.municipalities.values() if operator.sees(m.ags)],
    )


@router.get("/mailroom/{message_id}")
async def message(request: Request, session: ConsoleSession, message_id: str) -> Response:
    box = _mailroom(request)
    found = await run_in_threadpool(lambda: box.message(message_id, municipalities=session.operator.scope))
    if found is None:
        raise HTTPException(404, "no such message")
    detail = found.detail or ""
    if not session.operator.sees_personal_data:  # a schema error may quote a value of the message
        detail = mask_quoted_values(detail)
    source = services_of(request).region.inbound.get(found.row.source_id)
    return page(
        request, "mailroom_message.html", session, m=found, detail=detail, labels=STATE_LABELS,
        source_name=source.name if source is not None else "(no longer configured)",
    )  # fmt: skip


@router.post("/mailroom/{message_id}/release")
async def release(request: Request, message_id: str, session: ConsoleSession, form: CheckedForm) -> Response:
    """Re-check the message with the current config; a case delivered to its destinations if it passes."""
    _may_act(session)
    box, reason = _mailroom(request), _reason(form) or None
    try:
        released = await run_in_threadpool(
            lambda: box.release(
                message_id, municipalities=session.operator.scope, actor=f"console:{session.operator.name}",
                reason=reason,
            )
        )  # fmt: skip
    except UnknownMessage:
        raise HTTPException(404, "no such message") from None
    except NotInQuarantine:
        return _back(message_id, "not in quarantine (any more)")
    except ReleaseRefused as exc:
        return _back(message_id, f"cannot be released: {exc}")
    if not released.released:
        return _back(message_id, f"stays in quarantine: {released.reason}")
    return _back(message_id, "released")


@router.post("/mailroom/{message_id}/discard")
async def discard(request: Request, message_id: str, session: ConsoleSession, form: CheckedForm) -> Response:
    """Out of the quarantine for good (never delivered), with the reason the form gives."""
    _may_act(session)
    box, reason = _mailroom(request), _reason(form)
    if len(reason) < 3:
        raise HTTPException(400, "say why the message is discarded (at least 3 characters)")
    try:
        await run_in_threadpool(
            lambda: box.discard(
                message_id, municipalities=session.operator.scope, actor=f"console:{session.operator.name}",
                reason=reason,
            )
        )  # fmt: skip
    except UnknownMessage:
        raise HTTPException(404, "no such message") from None
    except NotInQuarantine:
        return _back(message_id, "not in quarantine (any more)")
    return _back(message_id, "discarded")
