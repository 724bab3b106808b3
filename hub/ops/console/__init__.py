"""The operator console: server-rendered pages under ``/console``, served by the hub itself.

Operators log in with their own accounts (not API keys); sessions live in the database, every
state-changing form carries the session's CSRF token, and every action is audited. Templates
and static files are part of the package: no build step, nothing from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from hub.ops.console.actions import router as actions_router
from hub.ops.console.destinations import router as destinations_router
from hub.ops.console.pages import router as pages_router
from hub.ops.console.session import LoginRequired, redirect_to_login

__all__ = ["mount_console"]

STATIC = Path(__file__).resolve().parent / "static"


def mount_console(app: FastAPI) -> None:
    app.include_router(destinations_router)
    app.include_router(pages_router)
    app.include_router(actions_router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(LoginRequired, redirect_to_login)
