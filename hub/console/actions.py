"""The console's actions (POST): log in and out, replay, pause, resume, reset a circuit.

Each is CSRF-checked, allowed only to the operator and admin roles (viewers look, they don't
act), limited to the operator's municipalities (a destination outside them is 404), carried out
by the shared use cases of :mod:`hub.service.operations`, which write the audit log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from hub.console.session import (
    COOKIE,
    LOGIN_COOKIE,
    PATH,
    CheckedForm,
    ConsoleSession,
    same_token,
    services_of,
    set_cookie,
)
from hub.domain.tenancy import ROLE_ADMIN
from hub.service.access import OperatorSession
from hub.service.operations import Operations
from hub.service.retention import SubmissionNotFound

router = APIRouter(prefix="/console", include_in_schema=False)


def _actor(session: OperatorSession) -> str:
    return f"console:{session.operator.name}"


def _back(path: str, done: str) -> Response:
    return RedirectResponse(f"{PATH}{path}?{urlencode({'done': done})}", status_code=303)


def _may_act(session: OperatorSession) -> None:
    if not session.operator.may_act:
        raise HTTPException(403, "viewers may not change anything")


def _destination_in_scope(request: Request, session: OperatorSession, destination_id: str) -> None:
    destination = services_of(request).region.destinations.get(destination_id)
    if destination is None or not session.operator.sees(destination.municipality):
        raise HTTPException(404, "no such destination")


def _operations_on(request: Request, session: OperatorSession, destination_id: str) -> Operations:
    """The operator use cases, once this operator may act (403) on this destination (404)."""
    _may_act(session)
    _destination_in_scope(request, session, destination_id)
    return services_of(request).operations


@router.post("/login")
async def login(
    request: Request,
    name: str = Form(...),
    password: str = Form(...),
    login_token: str = Form(""),
) -> Response:
    if not same_token(login_token, request.cookies.get(LOGIN_COOKIE, "")):
        raise HTTPException(403, "missing or wrong CSRF token")
    access = services_of(request).access
    token = await run_in_threadpool(access.login, name, password)
    if token is None:
        return RedirectResponse(f"{PATH}/login?failed=1", status_code=303)
    response = RedirectResponse(f"{PATH}/", status_code=303)
    set_cookie(response, request, COOKIE, token, max_age=access.session_seconds)
    response.delete_cookie(LOGIN_COOKIE, path=PATH)
    return response


@router.post("/logout")
async def logout(request: Request, session: ConsoleSession, form: CheckedForm) -> Response:
    access = services_of(request).access
    await run_in_threadpool(lambda: access.logout(request.cookies.get(COOKIE, ""), actor=_actor(session)))
    response = RedirectResponse(f"{PATH}/login", status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


@router.post("/dead-letters/replay")
async def replay(request: Request, session: ConsoleSession, form: CheckedForm) -> Response:
    """Replay the selected dead letters (``ids``) or all of a destination (``destination``)."""
    _may_act(session)
    ids = [str(i) for i in form.getlist("ids")]
    destination = str(form.get("destination") or "") or None
    if not ids and destination is None:
        raise HTTPException(400, "select dead letters or a destination")
    if destination is not None:
        _destination_in_scope(request, session, destination)
    replayed = await run_in_threadpool(
        lambda: services_of(request).operations.replay(
            ids=ids or None,
            destination=None if ids else destination,
            municipalities=session.operator.scope,
            actor=_actor(session),
        )
    )
    return _back("/dead-letters", f"replayed {len(replayed)}")


@router.post("/destinations/{destination_id}/pause")
async def pause(request: Request, destination_id: str, session: ConsoleSession, form: CheckedForm) -> Response:
    operations = _operations_on(request, session, destination_id)
    await run_in_threadpool(lambda: operations.pause(destination_id, actor=_actor(session)))
    return _back("/", f"paused {destination_id}")


@router.post("/destinations/{destination_id}/resume")
async def resume(request: Request, destination_id: str, session: ConsoleSession, form: CheckedForm) -> Response:
    operations = _operations_on(request, session, destination_id)
    count = await run_in_threadpool(lambda: operations.resume(destination_id, actor=_actor(session)))
    return _back("/", f"resumed {destination_id} ({count} waiting)")


@router.post("/destinations/{destination_id}/reset-circuit")
async def reset_circuit(request: Request, destination_id: str, session: ConsoleSession, form: CheckedForm) -> Response:
    operations = _operations_on(request, session, destination_id)
    await run_in_threadpool(lambda: operations.reset_circuit(destination_id, actor=_actor(session)))
    return _back("/", f"circuit of {destination_id} reset")


@router.post("/submissions/{submission_id}/erase")
async def erase(request: Request, submission_id: str, session: ConsoleSession, form: CheckedForm) -> Response:
    """Erase the submission's personal content now (admins only); audited with the reason given."""
    if session.operator.role != ROLE_ADMIN:
        raise HTTPException(403, "only admins may erase a submission's content")
    reason = str(form.get("reason") or "").strip()
    if len(reason) < 3:
        raise HTTPException(400, "say why the content is erased (at least 3 characters)")
    retention = services_of(request).retention
    try:
        cancelled = await run_in_threadpool(
            lambda: retention.erase(
                submission_id, actor=_actor(session), reason=reason[:500], scope=session.operator.scope
            )
        )
    except SubmissionNotFound:
        raise HTTPException(404, "no such submission") from None
    done = "content already gone" if cancelled is None else f"content erased, {len(cancelled)} deliveries cancelled"
    return _back(f"/submissions/{submission_id}", done)
