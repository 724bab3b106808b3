"""The operator console: server-rendered pages under ``/console``, served by the hub itself.

Operators log in with their own accounts (not API keys); sessions live in the database, every
state-changing form carries the session's CSRF token, and every action is audited. Templates
and static files are part of the package: no build step, nothing from a CDN.

An entry point beside the API, not part of it: the API's app mounts the console, and the console
reads and acts only through :mod:`hub.service` (it imports neither the API nor the store).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from hub.console.actions import router as actions_router
from hub.console.destinations import router as destinations_router
from hub.console.mailroom import router as mailroom_router
from hub.console.pages import router as pages_router
from hub.console.session import LoginRequired, redirect_to_login
from hub.service.services import HubServices

__all__ = ["mount_console"]

STATIC = Path(__file__).resolve().parent / "static"


def mount_console(app: FastAPI, services: HubServices) -> None:
    """Serve the console under ``/console`` of ``app``, reading and acting through ``services``."""
    app.state.console = services
    app.include_router(destinations_router)
    app.include_router(pages_router)
    app.include_router(actions_router)
    app.include_router(mailroom_router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(LoginRequired, redirect_to_login)
