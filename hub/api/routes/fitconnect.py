"""FIT-Connect endpoints: the platform's signed ``NEW_EVENTS`` callbacks and the hub's published data schemas.

A callback is accepted only with a valid ``callback-authentication`` (hex HMAC-SHA512 over
``callback-timestamp + "." + body`` with the secret named by the destination's
``callbackSecretEnv``) and a timestamp at most five minutes old; anything else is refused with
401 and logged. An accepted callback makes the outcome poller read the event logs at once.
"""

from __future__ import annotations

import os

import orjson
import structlog
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from hub.api.deps import Hub
from hub.api.problems import Problem
from hub.mapping.data_schemas import data_schema, schema_path
from hub.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

log = structlog.get_logger(__name__)

router = APIRouter(tags=["fit-connect"])

NEW_EVENTS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"


@router.post(
    "/v1/fit-connect/callbacks/{destination_id}",
    summary="FIT-Connect NEW_EVENTS callback (HMAC-SHA512 signed)",
    status_code=204,
)
async def new_events(destination_id: str, request: Request, hub: Hub) -> Response:
    destination = hub.region.destinations.get(destination_id)
    secret_env = destination.settings.get("callbackSecretEnv") if destination is not None else None
    secret = os.environ.get(str(secret_env), "") if secret_env else ""
    if not secret:
        raise Problem("not-found", f"no FIT-Connect callbacks are configured for {destination_id!r}")
    body = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not verify(secret, body, signature, timestamp):
        log.warning(
            "security_event",
            kind="fitconnect-callback-refused",
            destination=destination_id,
            reason="missing, wrong or stale callback-authentication",
        )
        raise Problem("unauthorized", "callback-authentication is missing, wrong or older than five minutes")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem("malformed-json", str(exc)) from exc
    log.info("fitconnect_callback", destination=destination_id, type=payload.get("type"))
    hub.outcome_poller.wake()
    return Response(status_code=204)


@router.get("/schemas/{service}/{version}", summary="A data schema the hub publishes (FIT-Connect submissionSchema)")
async def published_schema(service: str, version: str, request: Request, hub: Hub) -> Response:
    wanted = str(request.url.path)
    for spec in hub.mappings:
        if schema_path(spec) is None:
            continue
        schema = data_schema(spec)
        if schema.uri.endswith(wanted) and schema.uri.rsplit("/", 2)[-2:] == [service, version]:
            return JSONResponse(schema.document, media_type="application/schema+json")
    raise Problem("not-found", f"no published schema {service}/{version}")
