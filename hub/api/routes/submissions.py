"""Intake and status of submissions: what portal frontends call."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.api import metrics
from hub.api.deps import Hub, PortalClient, get_client
from hub.api.problems import Problem
from hub.api.schemas import AcceptedOut, DeliveryOut, EventOut, EventsOut, SubmissionOut
from hub.bootstrap import HubContext
from hub.domain.envelope import SubmissionRequest
from hub.errors import FieldProblem
from hub.service.intake import DestinationUnavailable, IdempotencyConflict, Intake, InvalidSubmission, OutOfScope
from hub.store.clients import ApiClient
from hub.store.submissions import SubmissionView

router = APIRouter(prefix="/v1/submissions", tags=["submissions"])

MAX_KEY_LENGTH = 255

_PROBLEM = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


async def read_json_body(request: Request, limit: int) -> Any:
    """The body as JSON, enforcing content type (415), size (413) and syntax (400)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json" and not (ctype.startswith("application/") and ctype.endswith("+json")):
        raise Problem(
            "unsupported-media-type",
            f"got {ctype or 'no content type'!r}, expected application/json",
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem("payload-too-large", f"{declared} bytes exceed the limit of {limit} bytes", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem("payload-too-large", f"the body exceeds the limit of {limit} bytes", limit=limit)
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise Problem("malformed-json", f"the body is not valid JSON: {exc}") from exc


def _accepted(request: Request, submission_id: str, status: str) -> AcceptedOut:
    base = f"{request.base_url}{router.prefix.lstrip('/')}/{submission_id}"
    return AcceptedOut(id=submission_id, status=status, status_url=base, events_url=base + "/events")


def _visible(client: ApiClient, view: SubmissionView | None) -> SubmissionView:
    if view is None:
        raise Problem("not-found", "no such submission")
    if not client.may_act_for(view.municipality, view.service):
        raise Problem("forbidden", f"this API key may not read submissions of {view.municipality}")
    return view


@router.post(
    "",
    status_code=202,
    response_model=AcceptedOut,
    summary="Submit an application",
    description=(
        "Accepts an application for one service and municipality. Answers 202 only after the "
        "submission and one delivery per routed destination are committed. With an "
        "`Idempotency-Key`, a repeat of the same body gets the same answer and a different body 409."
    ),
    responses={
        400: _PROBLEM,
        401: _PROBLEM,
        403: _PROBLEM,
        409: _PROBLEM,
        413: _PROBLEM,
        415: _PROBLEM,
        422: _PROBLEM,
        503: _PROBLEM,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmissionRequest"}}},
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
                "description": "Identifies this request: a repeat with the same body gets the same answer.",
            }
        ],
    },
)
async def create_submission(request: Request) -> Response:
    # The hot path of the hub: no dependency injection (its machinery costs more than the lookups),
    # the parameters are documented through openapi_extra above.
    hub: HubContext = request.app.state.hub
    intake: Intake = request.app.state.intake
    client = await get_client(request)
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        problem = FieldProblem("/headers/Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters", "header")
        metrics.rejected("validation-error")
        raise Problem("validation-error", "invalid Idempotency-Key header", errors=[problem])
    body = await read_json_body(request, hub.settings.max_body_bytes)
    try:
        accepted = await run_in_threadpool(intake.accept, client, body, idempotency_key)
    except InvalidSubmission as exc:
        metrics.rejected(exc.kind)
        raise Problem(exc.kind, exc.title, errors=exc.problems) from exc
    except IdempotencyConflict as exc:
        raise Problem(
            "idempotency-conflict",
            f"key {idempotency_key!r} was used for submission {exc} with another body",
        ) from exc
    except OutOfScope as exc:
        raise Problem("forbidden", str(exc)) from exc
    except DestinationUnavailable as exc:
        raise Problem("destination-unavailable", str(exc)) from exc
    out = _accepted(request, accepted.id, accepted.status)
    headers = {"Location": out.status_url}
    if accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(out.model_dump_json(), status_code=202, media_type="application/json", headers=headers)


@router.get(
    "/{submission_id}",
    response_model=SubmissionOut,
    name="get_submission",
    responses={403: _PROBLEM, 404: _PROBLEM, 503: _PROBLEM},
)
async def get_submission(submission_id: str, hub: Hub, client: PortalClient) -> SubmissionOut:
    view = _visible(client, await run_in_threadpool(hub.submissions.get, submission_id))
    return SubmissionOut(
        id=view.id,
        service=view.service,
        municipality=view.municipality,
        portal_reference=view.portal_reference,
        status=view.status,
        received_at=view.received_at,
        updated_at=view.updated_at,
        deliveries=[
            DeliveryOut(
                destination=d.destination_id,
                state=d.state,
                attempts=d.attempts,
                message_id=d.message_id,
                next_attempt_at=d.next_attempt_at if d.state in ("pending", "retrying") else None,
                last_error=d.last_error,
                last_status_code=d.last_status_code,
                receipt=d.receipt,
                delivered_at=d.delivered_at,
                updated_at=d.updated_at,
            )
            for d in view.deliveries
        ],
    )


@router.get(
    "/{submission_id}/events", response_model=EventsOut, responses={403: _PROBLEM, 404: _PROBLEM, 503: _PROBLEM}
)
async def get_events(submission_id: str, hub: Hub, client: PortalClient, after: int = 0) -> EventsOut:
    _visible(client, await run_in_threadpool(hub.submissions.get, submission_id))
    events = await run_in_threadpool(hub.submissions.events, submission_id, after=after)
    return EventsOut(
        submission_id=submission_id,
        events=[EventOut(id=e.id, kind=e.kind, at=e.at, delivery_id=e.delivery_id, detail=e.detail) for e in events],
    )


def openapi_components() -> dict[str, Any]:
    """Schemas referenced by hand above (the body is parsed by hand to control 400/413/415)."""
    schema = SubmissionRequest.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    problem = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "pointer": {"type": "string"},
                        "detail": {"type": "string"},
                        "rule": {"type": "string"},
                        "location": {
                            "type": "string",
                            "description": "XML path in the generated message, for schema and Schematron errors",
                        },
                    },
                },
            },
        },
        "required": ["type", "title", "status"],
    }
    return {"SubmissionRequest": schema, "Problem": problem, **defs}
