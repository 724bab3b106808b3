"""FIT-Connect endpoints: the platform's signed ``NEW_EVENTS`` callbacks and the hub's published data schemas.

A callback is accepted only with a valid ``callback-authentication`` (hex HMAC-SHA512 over
``callback-timestamp + "." + body`` with the secret named by the destination's
``callbackSecretEnv``) and a timestamp at most five minutes old; anything else is refused with
401 and logged. An accepted callback makes the outcome poller read the event logs at once.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse, Response

from hub.api.deps import Services
from hub.api.models import DESTINATION_ID
from hub.api.openapi import problems
from hub.api.problems import Problem
from hub.api.signed_callbacks import SIGNED_HEADERS, signed_callback
from hub.mapping.data_schemas import data_schema, schema_path

log = structlog.get_logger(__name__)

router = APIRouter(tags=["fit-connect"])

NEW_EVENTS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"
SCHEMA_SEGMENT = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class SchemaResponse(JSONResponse):
    media_type = "application/schema+json"


@router.post(
    "/v1/fit-connect/callbacks/{destination_id}",
    summary="FIT-Connect NEW_EVENTS callback (HMAC-SHA512 signed)",
    status_code=204,
    responses={204: {"description": "Taken: the hub reads the event log now"}, **problems(400, 401, 404, 422)},
    openapi_extra={
        "parameters": SIGNED_HEADERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": "A NEW_EVENTS callback"}}},
        },
    },
)
async def new_events(
    destination_id: Annotated[str, Path(pattern=DESTINATION_ID, max_length=100)], request: Request, services: Services
) -> Response:
    destination = services.region.destinations.get(destination_id)
    payload = await signed_callback(
        request,
        lambda: destination.settings.get("callbackSecretEnv") if destination is not None else None,
        f"no FIT-Connect callbacks are configured for {destination_id!r}",
        destination=destination_id,
    )
    kind = payload.get("type") if isinstance(payload, dict) else None
    log.info("fitconnect_callback", destination=destination_id, type=kind)
    services.poll_outcomes_now()
    return Response(status_code=204)


@router.get(
    "/schemas/{service}/{version}",
    summary="A data schema the hub publishes (FIT-Connect submissionSchema)",
    response_class=SchemaResponse,
    responses={200: {"description": "The JSON Schema"}, **problems(404, 422)},
)
async def published_schema(
    service: Annotated[str, Path(pattern=SCHEMA_SEGMENT, max_length=100)],
    version: Annotated[str, Path(pattern=SCHEMA_SEGMENT, max_length=100)],
    request: Request,
    services: Services,
) -> Response:
    wanted = str(request.url.path)
    for spec in services.mappings:
        if schema_path(spec) is None:
            continue
        schema = data_schema(spec)
        if schema.uri.endswith(wanted) and schema.uri.rsplit("/", 2)[-2:] == [service, version]:
            return SchemaResponse(schema.document)
    raise Problem("not-found", f"no published schema {service}/{version}")
