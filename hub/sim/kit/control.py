"""The control API every HTTP simulator serves beside its receiving endpoint, and its JSON answers.

Tests, the demo and connector authors drive each simulator the same way::

    GET    /_sim/messages[?system=]      what it received (per system, in order)
    GET    /_sim/messages/{messageId}    one of them
    DELETE /_sim/messages                forget everything received
    GET    /_sim/stats                   its counters
    GET    /_sim/faults                  the fault rules still armed (:mod:`hub.sim.kit.faults`)
    POST   /_sim/faults                  arm one: {"mode": "status", "status": 503, "count": 3, ...}
    DELETE /_sim/faults                  disarm all
    GET    /healthz

A simulator hands :func:`control_routes` how to reach its state from a request and how to find one
message; everything else is the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Protocol

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.sim.kit.faults import FaultBook

PROBLEM_JSON = "application/problem+json"


class SimulatorState(Protocol):
    """What the control API needs of a simulator's state."""

    @property
    def fault_book(self) -> FaultBook: ...

    def messages(self, system: str | None = None) -> list[dict[str, Any]]: ...

    def reset(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


def json_response(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


def problem_response(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """RFC 9457 problem details, as the receivers the simulators stand in for answer."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(orjson.dumps(body), status, headers, media_type=PROBLEM_JSON)


def _find_in_list(state: SimulatorState, message_id: str, system: str | None) -> dict[str, Any] | None:
    found = [m for m in state.messages(system) if m.get("messageId") == message_id]
    return found[0] if found else None


def control_routes(
    state_of: Callable[[Request], SimulatorState],
    *,
    find: Callable[[Any, str, str | None], dict[str, Any] | None] = _find_in_list,
    health: Mapping[str, Any] | None = None,
) -> list[Route]:
    """The routes of the control API over the state ``state_of(request)`` returns."""

    async def list_messages(request: Request) -> Response:
        return json_response(state_of(request).messages(request.query_params.get("system")))

    async def get_message(request: Request) -> Response:
        found = find(state_of(request), request.path_params["message_id"], request.query_params.get("system"))
        return json_response(found) if found is not None else problem_response(404, "no such message")

    async def reset_messages(request: Request) -> Response:
        state_of(request).reset()
        return Response(status_code=204)

    async def stats(request: Request) -> Response:
        return json_response(state_of(request).stats())

    async def list_faults(request: Request) -> Response:
        return json_response(state_of(request).fault_book.to_json())

    async def add_fault(request: Request) -> Response:
        try:
            rule = state_of(request).fault_book.add(orjson.loads(await request.body()))
        except (orjson.JSONDecodeError, ValueError) as exc:
            return problem_response(400, str(exc))
        return json_response(rule.to_json(), 201)

    async def clear_faults(request: Request) -> Response:
        state_of(request).fault_book.clear()
        return Response(status_code=204)

    async def healthz(request: Request) -> Response:
        return json_response(dict(health or {"status": "ok"}))

    return [
        Route("/_sim/messages", list_messages, methods=["GET"]),
        Route("/_sim/messages", reset_messages, methods=["DELETE"]),
        Route("/_sim/messages/{message_id:path}", get_message, methods=["GET"]),
        Route("/_sim/stats", stats, methods=["GET"]),
        Route("/_sim/faults", list_faults, methods=["GET"]),
        Route("/_sim/faults", add_fault, methods=["POST"]),
        Route("/_sim/faults", clear_faults, methods=["DELETE"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
