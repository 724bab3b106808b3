"""Dependency aliases for route handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.api.problems import Problem
from hub.bootstrap import HubContext
from hub.store.clients import ROLE_OPERATOR, ROLE_PORTAL, ApiClient


async def get_hub(request: Request) -> HubContext:
    return request.app.state.hub  # type: ignore[no-any-return]


async def get_client(request: Request) -> ApiClient:
    client: ApiClient = await request.app.state.auth(request)
    if ROLE_PORTAL not in client.roles:
        raise Problem("forbidden", "this API key has no portal role")
    return client


async def get_operator(request: Request) -> ApiClient:
    client: ApiClient = await request.app.state.auth(request)
    if ROLE_OPERATOR not in client.roles:
        raise Problem("forbidden", "this API key has no operator role")
    return client


Hub = Annotated[HubContext, Depends(get_hub)]
PortalClient = Annotated[ApiClient, Depends(get_client)]
Operator = Annotated[ApiClient, Depends(get_operator)]
