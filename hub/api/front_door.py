"""``GET /``: whoever opens the hub's address lands on the operator console.

A redirect for people, not a resource for portals: it is left out of the OpenAPI document, like
the console itself (the document's description names both).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse

CONSOLE = "/console/"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def front_door() -> RedirectResponse:
    # 303: whatever the method the browser came with, it follows with a GET.
    return RedirectResponse(CONSOLE, status_code=303)
