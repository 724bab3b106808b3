"""Dependency aliases for route handlers: the hub's services and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.api.problems import Problem
from hub.service.access import ROLE_ADMIN, ROLE_OPERATOR, ROLE_PORTAL, ApiClient
from hub.service.services import HubServices


async def get_services(request: Request) -> HubServices:
    return request.app.state.services  # type: ignore[no-any-return]


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


async def get_admin(request: Request) -> ApiClient:
    client: ApiClient = await request.app.state.auth(request)
    if ROLE_ADMIN not in client.roles:
        raise Problem("forbidden", "this API key has no admin role")
    return client


Services = Annotated[HubServices, Depends(get_services)]
PortalClient = Annotated[ApiClient, Depends(get_client)]
Operator = Annotated[ApiClient, Depends(get_operator)]
Admin = Annotated[ApiClient, Depends(get_admin)]
