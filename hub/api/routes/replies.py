"""Replies to cases: what a back office (or an operator) answers, returned the way the case came.

``POST /v1/submissions/{id}/replies`` takes {status, text, documents}; the hub answers 202 once the
reply and the delivery that returns it are committed (docs/replies.md). Allowed: API keys with the
role ``back-office``, ``operator`` or ``admin``, for cases of their municipalities. Reading the
replies (they hold the decision text) is a read of personal data and is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.api.bodies import read_json_body
from hub.api.models import _Out
from hub.api.openapi import problems
from hub.api.problems import Problem
from hub.api.routes.submissions import _KEY_CHARS, IDEMPOTENCY_KEY, MAX_KEY_LENGTH, SUBMISSION_ID
from hub.domain.replies import (
    BASE64_PATTERN,
    FILE_NAME_PATTERN,
    MAX_DOCUMENTS,
    MAX_FILE_NAME_CHARS,
    MAX_TEXT_CHARS,
    MEDIA_TYPE_PATTERN,
    TEXT_PATTERN,
    ReplyStatus,
)
from hub.domain.tenancy import ROLE_ADMIN, ROLE_BACK_OFFICE, ROLE_OPERATOR, ApiClient
from hub.errors import FieldProblem
from hub.service.replies import (
    CaseNotFound,
    InvalidReply,
    NoChannelBack,
    NotPermitted,
    Replier,
    Replies,
    ReplyConflict,
    ReplyNotBuildable,
)
from hub.service.services import HubServices

router = APIRouter(prefix="/v1/submissions", tags=["replies"])

REPLYING_ROLES = frozenset({ROLE_BACK_OFFICE, ROLE_OPERATOR, ROLE_ADMIN})
MAX_REPLY_BODY_FLOOR = 1_000_000

CaseId = Annotated[
    str, Path(pattern=SUBMISSION_ID, max_length=64, description="The case: the submission's id (a UUID)")
]


class ReplyDocumentOut(_Out):
    file_name: str = Field(alias="fileName")
    media_type: str = Field(alias="mediaType")
    sha256: str
    size: int


class ReplyDeliveryOut(_Out):
    id: str | None
    destination: str | None
    state: str | None
    attempts: int
    delivered_at: datetime | None = Field(default=None, alias="deliveredAt")
    last_error: str | None = Field(default=None, alias="lastError")


class ReplyOut(_Out):
    id: str
    submission_id: str = Field(alias="submissionId")
    channel: str = Field(description="How it is returned: portal-callback, xta or fit-connect")
    status: ReplyStatus
    text: str | None
    documents: list[ReplyDocumentOut]
    by: str
    created_at: datetime = Field(alias="createdAt")
    delivery: ReplyDeliveryOut


class RepliesOut(_Out):
    submission_id: str = Field(alias="submissionId")
    replies: list[ReplyOut]


def reply_request_schema() -> dict[str, Any]:
    """The documented body (the domain checks it: :func:`hub.domain.replies.read_reply`)."""
    document = {
        "type": "object",
        "additionalProperties": False,
        "required": ["fileName", "mediaType", "content", "sha256"],
        "properties": {
            "fileName": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_FILE_NAME_CHARS,
                "pattern": FILE_NAME_PATTERN,
                "description": "A name, no path (no slash, backslash or control character)",
            },
            "mediaType": {"type": "string", "pattern": MEDIA_TYPE_PATTERN, "examples": ["application/pdf"]},
            "content": {"type": "string", "contentEncoding": "base64", "minLength": 4, "pattern": BASE64_PATTERN},
            "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "SHA-256 of the content"},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["status"],
        "description": "A reply needs a text or at least one document.",
        "properties": {
            "status": {"type": "string", "enum": [s.value for s in ReplyStatus]},
            "text": {"type": ["string", "null"], "maxLength": MAX_TEXT_CHARS, "pattern": TEXT_PATTERN},
            "documents": {"type": "array", "maxItems": MAX_DOCUMENTS, "items": document},
        },
        "anyOf": [
            {"required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}},
            {"required": ["documents"], "properties": {"documents": {"minItems": 1}}},
        ],
        "examples": [{"status": "approved", "text": "Die Gewerbeanmeldung ist eingetragen.", "documents": []}],
    }


async def _replier(request: Request) -> tuple[Replies, Replier]:
    services: HubServices = request.app.state.services
    client: ApiClient = await request.app.state.auth(request)
    if not client.roles & REPLYING_ROLES:
        raise Problem("forbidden", "this API key has no back-office or operator role")
    if services.replies is None:
        raise Problem("not-found", "replies are not available in this process")
    return services.replies, Replier(f"api:{client.name}", client.municipalities)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and _KEY_CHARS.issuperset(key)):
        problem = FieldProblem(
            "/headers/Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} visible ASCII characters", "header"
        )
        raise Problem("validation-error", "invalid Idempotency-Key header", errors=[problem])
    return key


@router.post(
    "/{submission_id}/replies",
    status_code=202,
    response_model=ReplyOut,
    summary="Reply to a case",
    description=(
        "Posts a back office's (or an operator's) reply to a case: a portal's submission or a received message. "
        "The hub returns it the way the case came: a signed callback to the portal (`type: reply`), an XTA 2 "
        "message to the sending authority, or a FIT-Connect reply. Answers 202 once the reply and its delivery "
        "are committed; 409 `no-reply-channel` when the case offers no way back. With an `Idempotency-Key`, a "
        "repeat of the same body gets the same reply and another body 409."
    ),
    responses={
        202: {
            "description": "Accepted: stored, and delivered from here on",
            "headers": {
                "Idempotent-Replayed": {
                    "description": "'true' when this answers a repeat of an earlier request",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
        },
        **problems(400, 404, 409, 413, 415, 422, 503),
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": reply_request_schema()}}},
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
async def post_reply(submission_id: CaseId, request: Request) -> Response:
    replies, replier = await _replier(request)
    key = _idempotency_key(request)
    services: HubServices = request.app.state.services
    body = await read_json_body(request, max(services.max_body_bytes(), MAX_REPLY_BODY_FLOOR))
    try:
        posted = await run_in_threadpool(replies.post, replier, submission_id, body, key)
    except InvalidReply as exc:
        raise Problem("validation-error", "the reply is invalid", errors=exc.problems) from exc
    except (CaseNotFound, NotPermitted) as exc:
        # Another municipality's case: not even its existence is told.
        raise Problem("not-found", "no such case") from exc
    except ReplyConflict as exc:
        raise Problem("idempotency-conflict", f"key {key!r} was used for reply {exc} with another body") from exc
    except NoChannelBack as exc:
        raise Problem("no-reply-channel", str(exc)) from exc
    except ReplyNotBuildable as exc:
        raise Problem("destination-unavailable", f"the way back cannot take replies now: {exc}") from exc
    out = _out(posted.reply)
    headers = {"Idempotent-Replayed": "true"} if posted.replayed else {}
    return Response(out.model_dump_json(), status_code=202, media_type="application/json", headers=headers)


@router.get(
    "/{submission_id}/replies",
    response_model=RepliesOut,
    summary="The replies to a case",
    description=(
        "Every reply posted to the case with the state of its delivery. The replies hold the decision texts: "
        "reading them is written to the audit log (`read-personal-data`)."
    ),
    responses=problems(404, 422, 503),
)
async def list_replies(submission_id: CaseId, request: Request) -> RepliesOut:
    replies, replier = await _replier(request)
    try:
        found = await run_in_threadpool(replies.of_case, replier, submission_id)
    except (CaseNotFound, NotPermitted) as exc:
        raise Problem("not-found", "no such case") from exc
    return RepliesOut(submission_id=submission_id, replies=[_out(r) for r in found])


@router.api_route("/{submission_id}/replies", methods=["PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False)
async def other_methods(submission_id: CaseId) -> Response:
    # Two routes share the path: without this, a 405 would name only the first route's method.
    raise Problem("method-not-allowed", headers={"Allow": "GET, HEAD, POST"})


def _out(reply: Any) -> ReplyOut:
    return ReplyOut(
        id=reply.id,
        submission_id=reply.submission_id,
        channel=reply.channel,
        status=ReplyStatus(reply.status),
        text=reply.text,
        documents=[ReplyDocumentOut(**d) for d in reply.documents],
        by=reply.actor,
        created_at=reply.created_at,
        delivery=ReplyDeliveryOut(
            id=reply.delivery_id,
            destination=reply.destination_id,
            state=reply.delivery_state,
            attempts=reply.attempts,
            delivered_at=reply.delivered_at,
            last_error=reply.last_error,
        ),
    )
