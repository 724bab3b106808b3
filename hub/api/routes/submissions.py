"""Intake and status of submissions: what portal frontends call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.api import metrics
from hub.api.bodies import read_json_body
from hub.api.deps import PortalClient, Services, get_client
from hub.api.models import AcceptedOut, DeliveryOut, EventOut, EventsOut, SubmissionOut
from hub.api.openapi import problems
from hub.api.problems import Problem
from hub.api.scanner_errors import scanner_unavailable
from hub.api.submission_schema import SubmissionContract, envelope_model_rejects
from hub.errors import FieldProblem
from hub.scanning import ScannerUnavailable
from hub.service.access import ApiClient
from hub.service.intake import Accepted, DestinationUnavailable, IdempotencyConflict, InvalidSubmission, OutOfScope
from hub.service.personal_data import NotVisible, Reader, SubmissionRead
from hub.service.services import HubServices

router = APIRouter(prefix="/v1/submissions", tags=["submissions"])

MAX_KEY_LENGTH = 255
IDEMPOTENCY_KEY = r"^[!-~]{1,255}$"
"""Visible ASCII: a key survives every proxy unchanged (header whitespace would be trimmed on the way)."""
_KEY_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))
SUBMISSION_ID = r"^[0-9A-Za-z-]{1,64}$"
MAX_EVENT_ID = 2**63 - 1

SubmissionId = Annotated[
    str, Path(pattern=SUBMISSION_ID, max_length=64, description="The id the hub answered on intake (a UUID)")
]


def _accepted(request: Request, submission_id: str, status: str) -> AcceptedOut:
    base = f"{request.base_url}{router.prefix.lstrip('/')}/{submission_id}"
    return AcceptedOut(id=submission_id, status=status, status_url=base, events_url=base + "/events")


def _read(services: HubServices, client: ApiClient, submission_id: str, **what: Any) -> SubmissionRead:
    """The client's own submission, read on record (:mod:`hub.service.personal_data`)."""
    try:
        read = services.personal_data.read(Reader.api_client(client), submission_id, **what)
    except NotVisible as exc:
        raise Problem("forbidden", f"this API key may not read submissions of {exc}") from exc
    if read is None:
        raise Problem("not-found", "no such submission")
    return read


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
        202: {
            "description": "Accepted: committed, and delivered from here on",
            "headers": {
                "Location": {"required": True, "description": "The status URL", "schema": {"type": "string"}},
                "Idempotent-Replayed": {
                    "description": "'true' when this answers a repeat of an earlier request",
                    "schema": {"type": "string", "enum": ["true"]},
                },
            },
        },
        **problems(400, 409, 413, 415, 422, 503),
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
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY, "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                "description": "Identifies this request: a repeat with the same body gets the same answer.",
            }
        ],
    },
)
async def create_submission(request: Request) -> Response:
    # The hot path of the hub: no dependency injection (its machinery costs more than the lookups),
    # the parameters are documented through openapi_extra above.
    services: HubServices = request.app.state.services
    client = await get_client(request)
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and not (
        0 < len(idempotency_key) <= MAX_KEY_LENGTH and _KEY_CHARS.issuperset(idempotency_key)
    ):
        problem = FieldProblem(
            "/headers/Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} visible ASCII characters", "header"
        )
        metrics.rejected("validation-error")
        raise Problem("validation-error", "invalid Idempotency-Key header", errors=[problem])
    body = await read_json_body(request, services.max_body_bytes())
    contract: SubmissionContract = request.app.state.contract

    def accept() -> Accepted:
        # In the worker thread with intake: a body of large attachments takes milliseconds to check.
        off_contract = contract.problems(body)
        if off_contract and not envelope_model_rejects(body):
            raise InvalidSubmission("the submission does not match its service's schema", off_contract)
        return services.intake.accept(client, body, idempotency_key)

    try:
        accepted = await run_in_threadpool(accept)
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
    except ScannerUnavailable as exc:
        raise scanner_unavailable() from exc
    out = _accepted(request, accepted.id, accepted.status)
    headers = {"Location": out.status_url}
    if accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(out.model_dump_json(), status_code=202, media_type="application/json", headers=headers)


@router.get(
    "/{submission_id}",
    response_model=SubmissionOut,
    name="get_submission",
    description=(
        "The submission's status and deliveries. A response that carries a receiver's receipt or error text "
        "is a read of personal data and is written to the audit log (`read-personal-data`, actor `api:CLIENT`)."
    ),
    responses=problems(404, 422, 503),
)
async def get_submission(submission_id: SubmissionId, services: Services, client: PortalClient) -> SubmissionOut:
    view = (await run_in_threadpool(_read, services, client, submission_id)).submission
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
    "/{submission_id}/events",
    response_model=EventsOut,
    description=(
        "The submission's event log after `after`. A page with events that quote a receipt or a receiver's "
        "answer is a read of personal data and is written to the audit log (`read-personal-data`)."
    ),
    responses=problems(404, 422, 503),
)
async def get_events(
    submission_id: SubmissionId,
    services: Services,
    client: PortalClient,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID, description="Only events with a greater id")] = 0,
) -> EventsOut:
    read = await run_in_threadpool(
        lambda: _read(services, client, submission_id, deliveries=False, events=True, after=after)
    )
    events = read.events
    return EventsOut(
        submission_id=submission_id,
        events=[EventOut(id=e.id, kind=e.kind, at=e.at, delivery_id=e.delivery_id, detail=e.detail) for e in events],
    )
