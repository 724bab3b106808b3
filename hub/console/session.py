"""Console sessions: the cookie, the logged-in operator as a dependency, CSRF checks on every POST.

The session token travels in an HttpOnly, SameSite=Strict cookie scoped to ``/console``; the
CSRF synchronizer token is stored with the session on the server and must come back as the
``csrf_token`` field of every state-changing form. The login form, which has no session yet,
uses a double-submit token of its own.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hub.service.access import OperatorSession
from hub.service.services import HubServices

COOKIE = "hub_console"
LOGIN_COOKIE = "hub_console_login"
PATH = "/console"


class LoginRequired(Exception):
    """No live session: the browser is sent to the login page."""


async def redirect_to_login(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"{PATH}/login", status_code=303)


def services_of(request: Request) -> HubServices:
    """The services the console was mounted with (:func:`hub.console.mount_console`)."""
    return request.app.state.console  # type: ignore[no-any-return]


async def current_session(request: Request) -> OperatorSession:
    token = request.cookies.get(COOKIE)
    session = await run_in_threadpool(services_of(request).access.session, token) if token else None
    if session is None:
        raise LoginRequired
    return session


ConsoleSession = Annotated[OperatorSession, Depends(current_session)]


def same_token(given: object, expected: str) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(given.encode(), expected.encode())


async def checked_form(request: Request, session: ConsoleSession) -> FormData:
    """The posted form, if it carries this session's CSRF token; 403 otherwise."""
    form = await request.form()
    if not same_token(form.get("csrf_token"), session.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def new_login_token() -> str:
    return secrets.token_urlsafe(24)
