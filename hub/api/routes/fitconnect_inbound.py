"""FIT-Connect's ``NEW_SUBMISSIONS`` callbacks for the hub's own destinations (the mailroom's
FIT-Connect subscriber sources, docs/inbound.md).

The platform posts ``{"type": ".../callbacks/new-submissions", "submissionIds": [...]}`` to a
destination's callback URL when submissions wait there, signed as every FIT-Connect callback
(:mod:`hub.signing`, the same check as the outbound side's ``NEW_EVENTS``): the secret is named by
the source's ``callbackSecretEnv``. An accepted callback only makes the inbound poll due: the next
worker to ask runs it (a pass running now is not doubled, the next one follows it), so the request
never waits for the platform. The callback's submission ids are not trusted beyond that: the poll
lists the destination itself.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.openapi import problems
from hub.api.problems import Problem
from hub.api.signed_callbacks import SIGNED_HEADERS, signed_callback
from hub.errors import FieldProblem

log = structlog.get_logger(__name__)

router = APIRouter(tags=["fit-connect"])

NEW_SUBMISSIONS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"
SUBSCRIBER = "fitconnect-subscriber"
SOURCE_ID = r"^[a-z0-9][a-z0-9-]{0,99}$"


@router.post(
    "/v1/fit-connect/sources/{source_id}/callbacks",
    summary="FIT-Connect NEW_SUBMISSIONS callback for an inbound destination (HMAC-SHA512 signed)",
    status_code=204,
    responses={204: {"description": "Taken: the source is polled soon"}, **problems(400, 401, 404, 422)},
    openapi_extra={
        "parameters": SIGNED_HEADERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object", "description": "A NEW_SUBMISSIONS callback"}}
            },
        },
    },
)
async def new_submissions(
    source_id: Annotated[str, Path(pattern=SOURCE_ID, max_length=100)], request: Request, services: Services
) -> Response:
    source = services.region.inbound.get(source_id)
    payload = await signed_callback(
        request,
        lambda: source.settings.get("callbackSecretEnv") if source is not None and source.kind == SUBSCRIBER else None,
        f"no FIT-Connect callbacks are configured for the source {source_id!r}",
        source=source_id,
    )
    kind = payload.get("type") if isinstance(payload, dict) else None
    if kind != NEW_SUBMISSIONS:
        # Not ours to poll for (a NEW_EVENTS belongs to /v1/fit-connect/callbacks/...): named, not taken.
        wrong = FieldProblem("/type", f"must be {NEW_SUBMISSIONS}", "const")
        raise Problem("validation-error", "not a NEW_SUBMISSIONS callback", errors=[wrong])
    announced = payload.get("submissionIds") if isinstance(payload, dict) else None
    count = len(announced) if isinstance(announced, list) else 0
    log.info("fitconnect_new_submissions", source=source_id, submissions=count)
    if services.poll_inbound_soon is not None:
        services.poll_inbound_soon()
    return Response(status_code=204)
