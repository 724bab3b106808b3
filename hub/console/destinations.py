"""The destinations page (``/console/``) and its board fragment, which the page fetches to refresh itself.

What needs the operator comes first (see :mod:`hub.console.triage`); the page reads every
destination's backlog, stored operator controls and circuit state
(:meth:`hub.service.queries.Queries.destinations`) and its last hour
(:meth:`~hub.service.queries.Queries.outcomes`), limited to the operator's municipalities before
anything is shown.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.console.charts import HEIGHT, WIDTH, polyline
from hub.console.pages import page, templates, visible_destinations
from hub.console.session import ConsoleSession, services_of
from hub.console.triage import (
    CIRCUIT_STATES,
    GROUPINGS,
    REGION,
    Board,
    DestinationHealth,
    Filters,
    kind_label,
    triage,
)
from hub.domain.clock import utcnow
from hub.service.access import OperatorAccount

router = APIRouter(prefix="/console", include_in_schema=False)
REFRESH_SECONDS = 5
"""How often the page fetches its board again; without JavaScript it reloads at the fallback."""
FALLBACK_REFRESH_SECONDS = 15
BUCKETS = 12


def board_filters(
    municipality: str = "",
    kind: str = "",
    attention: str = "",
    circuit: str = "",
    q: str = "",
    group: str = "municipality",
) -> Filters:
    """The filter form's fields; an unknown circuit state or grouping is ignored, not refused."""
    return Filters(
        municipality=municipality,
        kind=kind,
        attention_only=attention in ("1", "on", "true"),
        circuit=circuit if circuit in CIRCUIT_STATES else "",
        text=q[:200],
        group_by=group if group in GROUPINGS else GROUPINGS[0],
    )


BoardFilters = Annotated[Filters, Depends(board_filters)]


def query_of(filters: Filters) -> str:
    fields = {
        "municipality": filters.municipality,
        "kind": filters.kind,
        "attention": "1" if filters.attention_only else "",
        "circuit": filters.circuit,
        "q": filters.text,
        "group": filters.group_by if filters.group_by != GROUPINGS[0] else "",
    }
    return urlencode({k: v for k, v in fields.items() if v})


def _health(request: Request, operator: OperatorAccount) -> list[DestinationHealth]:
    services = services_of(request)
    statuses = services.queries.destinations()
    outcomes = services.queries.outcomes(buckets=BUCKETS)
    names = {m.ags: m.name for m in services.region.municipalities.values()}
    nothing = (0,) * BUCKETS
    out = []
    for d in visible_destinations(request, operator):
        status, last_hour = statuses[d.id], outcomes.get(d.id)
        counts, control = status.backlog.counts, status.control
        out.append(
            DestinationHealth(
                id=d.id,
                name=d.name,
                municipality=d.municipality,
                municipality_name=names.get(d.municipality or "", d.municipality or "Region"),
                connector=d.connector,
                backlog=counts.get("pending", 0) + counts.get("retrying", 0),
                in_flight=counts.get("in_flight", 0),
                delivered=counts.get("delivered", 0),
                dead=counts.get("dead", 0),
                delivered_series=tuple(last_hour.delivered) if last_hour else nothing,
                failed_series=tuple(last_hour.failed) if last_hour else nothing,
                oldest_waiting=status.backlog.oldest_waiting,
                circuit=status.circuit,
                circuit_open_until=control.circuit_open_until if control else None,
                paused=status.paused,
                paused_by=control.paused_by if control else None,
            )
        )
    return out


def _chart(h: DestinationHealth) -> tuple[str, str]:
    """The last hour's delivered and failed lines, on one scale."""
    peak = max((*h.delivered_series, *h.failed_series, 1))
    return polyline(h.delivered_series, peak), polyline(h.failed_series, peak)


async def _board(request: Request, session: ConsoleSession, filters: Filters) -> Board:
    healths = await run_in_threadpool(_health, request, session.operator)
    return triage(healths, now=utcnow(), filters=filters)


def _board_context(request: Request, operator: OperatorAccount, board: Board) -> dict[str, Any]:
    visible = visible_destinations(request, operator)
    seen = {d.municipality for d in visible}
    region = services_of(request).region
    municipalities = [(m.ags, m.name) for m in region.municipalities.values() if m.ags in seen]
    if None in seen:
        municipalities.append((REGION, "Region"))
    kinds = sorted({d.connector for d in visible}, key=kind_label)
    return {
        "board": board,
        "board_url": f"/console/destinations/board?{query_of(board.filters)}",
        "refresh_seconds": REFRESH_SECONDS,
        "fallback_refresh_seconds": FALLBACK_REFRESH_SECONDS,
        "chart_width": WIDTH,
        "chart_height": HEIGHT,
        "chart": _chart,
        "municipality_options": municipalities,
        "kind_options": [(k, kind_label(k)) for k in kinds],
        "circuit_options": CIRCUIT_STATES,
    }


@router.get("/")
async def destinations_page(request: Request, session: ConsoleSession, filters: BoardFilters) -> Response:
    board = await _board(request, session, filters)
    return page(request, "overview.html", session, **_board_context(request, session.operator, board))


@router.get("/destinations/board")
async def destinations_board(request: Request, session: ConsoleSession, filters: BoardFilters) -> Response:
    """The summary and the table alone, as the page shows them, for the page's refresh."""
    board = await _board(request, session, filters)
    response = templates.TemplateResponse(
        request,
        "destinations_board.html",
        {
            "operator": session.operator,
            "csrf_token": session.csrf_token,
            **_board_context(request, session.operator, board),
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response
