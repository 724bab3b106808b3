"""Operator endpoints: dead letters, replay, the backlog per destination. Scoped to municipalities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from hub.api.deps import Hub, Operator
from hub.api.problems import Problem
from hub.api.schemas import DestinationOut, OperatorDeliveryOut, ReplayIn, ReplayOut
from hub.domain.states import DeliveryState
from hub.service.operations import replay
from hub.store.clients import ApiClient

router = APIRouter(prefix="/v1/operator", tags=["operator"])


def _scope(operator: ApiClient) -> list[str] | None:
    return None if "*" in operator.municipalities else sorted(operator.municipalities)


@router.get("/deliveries", response_model=list[OperatorDeliveryOut])
async def list_deliveries(
    hub: Hub,
    operator: Operator,
    state: DeliveryState | None = None,
    destination: str | None = None,
    municipality: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OperatorDeliveryOut]:
    scope = _scope(operator)
    if municipality and scope is not None and municipality not in scope:
        raise Problem("forbidden", f"this operator may not see {municipality}")
    rows = await run_in_threadpool(
        hub.deliveries.list,
        state=state.value if state else None,
        destination=destination,
        municipality=municipality,
        limit=limit,
    )
    return [
        OperatorDeliveryOut(
            id=r.id,
            submission_id=r.submission_id,
            destination=r.destination_id,
            state=r.state,
            attempts=r.attempts,
            municipality=r.municipality,
            service=r.service,
            created_at=r.created_at,
            next_attempt_at=r.next_attempt_at,
            last_error=r.last_error,
            last_status_code=r.last_status_code,
            dead_at=r.dead_at,
        )
        for r in rows
        if scope is None or r.municipality in scope
    ]


@router.post("/replay", response_model=ReplayOut)
async def replay_dead(body: ReplayIn, hub: Hub, operator: Operator) -> ReplayOut:
    if not body.ids and not body.destination:
        raise Problem("validation-error", "give 'ids' or a 'destination' (with an optional time range)")
    replayed = await run_in_threadpool(
        lambda: replay(
            hub,
            ids=body.ids,
            destination=body.destination,
            since=body.since,
            until=body.until,
            municipalities=_scope(operator),
            actor=f"api:{operator.name}",
        )
    )
    return ReplayOut(replayed=replayed, count=len(replayed))


@router.get("/destinations", response_model=list[DestinationOut])
async def destinations(hub: Hub, operator: Operator) -> list[DestinationOut]:
    counts = await run_in_threadpool(hub.deliveries.counts)
    controls = await run_in_threadpool(hub.destination_states.all)
    scope = _scope(operator)
    return [
        DestinationOut(
            id=d.id,
            name=d.name,
            connector=d.connector,
            municipality=d.municipality,
            counts={state: n for (dest, state), n in counts.items() if dest == d.id},
            circuit=controls[d.id].circuit_state if d.id in controls else "closed",
        )
        for d in hub.region.destinations.values()
        if scope is None or d.municipality in scope
    ]
