"""Operator endpoints: dead letters, replay, the backlog per destination (scoped to municipalities), and
the audit log for admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from hub.api.bodies import read_json_body
from hub.api.deps import Admin, Operator, Services
from hub.api.models import (
    DESTINATION_ID,
    AuditEntryOut,
    DestinationOut,
    EraseIn,
    EraseOut,
    OperatorDeliveryOut,
    RefusedReplay,
    ReplayIn,
    ReplayOut,
    replay_schema,
)
from hub.api.openapi import problems
from hub.api.problems import Problem
from hub.domain.states import DeliveryState
from hub.errors import FieldProblem
from hub.mapping import pointer
from hub.routing.forms import FormSchema
from hub.service.access import ApiClient
from hub.service.retention import SubmissionNotFound

router = APIRouter(prefix="/v1/operator", tags=["operator"])

MAX_REPLAY_BODY = 1_000_000
MAX_ERASE_BODY = 10_000
_REPLAY = FormSchema(replay_schema(), "ReplayIn")
"""The replay body as documented, checked before the model (which would coerce numbers to times)."""


def _scope(operator: ApiClient) -> list[str] | None:
    return operator.scope


@router.get("/deliveries", response_model=list[OperatorDeliveryOut], responses=problems(422, 503))
async def list_deliveries(
    services: Services,
    operator: Operator,
    state: DeliveryState | None = None,
    destination: Annotated[str | None, Query(pattern=DESTINATION_ID, max_length=100)] = None,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$", description="AGS")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OperatorDeliveryOut]:
    scope = _scope(operator)
    if municipality and scope is not None and municipality not in scope:
        raise Problem("forbidden", f"this operator may not see {municipality}")
    rows = await run_in_threadpool(
        services.queries.deliveries,
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


def _replay_request(raw: Any) -> ReplayIn:
    found = _REPLAY.problems(raw, base="")
    if found:
        raise Problem("validation-error", "give 'ids' or a 'destination' (with an optional time range)", errors=found)
    try:
        body = ReplayIn.model_validate(raw)
    except ValidationError as exc:
        errors = [FieldProblem(pointer.join("", *e["loc"]), e["msg"], e["type"]) for e in exc.errors()]
        raise Problem("validation-error", "invalid replay request", errors=errors) from exc
    return body.model_copy(update={"since": _in_utc(body.since), "until": _in_utc(body.until)})


def _erase_request(raw: Any) -> EraseIn:
    try:
        return EraseIn.model_validate(raw)
    except ValidationError as exc:
        errors = [FieldProblem(pointer.join("", *e["loc"]), e["msg"], e["type"]) for e in exc.errors()]
        raise Problem("validation-error", "invalid erasure request: give a 'reason'", errors=errors) from exc


def _in_utc(moment: datetime | None) -> datetime | None:
    """The moment in UTC; one beyond the calendar's ends in UTC (9999-12-31T23:00-05:00) is that end."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


@router.post(
    "/replay",
    response_model=ReplayOut,
    responses=problems(400, 413, 415, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReplayIn"}}},
        }
    },
)
async def replay_dead(request: Request, services: Services, operator: Operator) -> ReplayOut:
    # The body is read by hand, like intake's: a body that is not JSON is a 400, never the framework's 500.
    body = _replay_request(await read_json_body(request, MAX_REPLAY_BODY))
    replayed = await run_in_threadpool(
        lambda: services.operations.replay(
            ids=body.ids,
            destination=body.destination,
            since=body.since,
            until=body.until,
            municipalities=_scope(operator),
            actor=f"api:{operator.name}",
        )
    )
    refused = await run_in_threadpool(services.retention.refused_replays, body.ids)
    return ReplayOut(
        replayed=replayed,
        count=len(replayed),
        refused=[RefusedReplay(id=d, reason=reason) for d, reason in refused.items()],
    )


@router.get("/destinations", response_model=list[DestinationOut], responses=problems(503))
async def destinations(services: Services, operator: Operator) -> list[DestinationOut]:
    statuses = await run_in_threadpool(services.queries.destinations)
    scope = _scope(operator)
    return [
        DestinationOut(
            id=d.id,
            name=d.name,
            connector=d.connector,
            municipality=d.municipality,
            counts=statuses[d.id].backlog.counts,
            circuit=statuses[d.id].circuit,
        )
        for d in services.region.destinations.values()
        if scope is None or d.municipality in scope
    ]


AUDIT_ACTION = r"^[a-z][a-z_-]{0,39}$"
AUDIT_ACTOR = r"^[a-z]+:[^\x00-\x1f\x7f]{1,100}$"


@router.get(
    "/audit",
    response_model=list[AuditEntryOut],
    summary="The audit log (admins)",
    description=(
        "Newest first: operator actions and every read of a submission's personal data "
        "(`action=read-personal-data`; `target` is the submission, `items` what was shown). "
        "Needs an API key with the admin role."
    ),
    responses=problems(422, 503),
)
async def audit_log(
    services: Services,
    admin: Admin,
    action: Annotated[str | None, Query(pattern=AUDIT_ACTION, max_length=40)] = None,
    actor: Annotated[str | None, Query(pattern=AUDIT_ACTOR, max_length=120)] = None,
    target: Annotated[
        str | None, Query(max_length=120, pattern=r"^[!-~]{1,120}$", description="A submission id, a destination, ...")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    entries = await run_in_threadpool(
        lambda: services.queries.audit_entries(actor=actor, action=action, target=target, limit=limit)
    )
    return [AuditEntryOut(**e.__dict__) for e in entries]


@router.post(
    "/submissions/{submission_id}/erase",
    response_model=EraseOut,
    summary="Erase a submission's personal content now (admins)",
    description=(
        "Removes the envelope, attachments, mapped messages, receipts and error texts at once (GDPR Art. 17); "
        "deliveries that have not reached their receiver are cancelled. Audited with the reason. "
        "Needs an API key with the admin role."
    ),
    responses=problems(400, 404, 413, 415, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EraseIn"}}},
        }
    },
)
async def erase_submission(
    request: Request,
    services: Services,
    admin: Admin,
    submission_id: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")],
) -> EraseOut:
    # Read by hand like the replay's: a body that is not JSON is a 400, never the framework's 500.
    body = _erase_request(await read_json_body(request, MAX_ERASE_BODY))
    try:
        cancelled = await run_in_threadpool(
            lambda: services.retention.erase(
                submission_id, actor=f"api:{admin.name}", reason=body.reason, scope=_scope(admin)
            )
        )
    except SubmissionNotFound:
        raise Problem("not-found", f"no submission {submission_id}") from None
    return EraseOut(id=submission_id, erased=cancelled is not None, cancelled=cancelled or [])
