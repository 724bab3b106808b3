"""The OpenAPI document as the server behaves: what a portal vendor generates a client from.

FastAPI derives paths, parameters and success bodies from the routes; this module adds what it
cannot know: which operations need an API key (and so answer 401 and 403), that every error is
``application/problem+json``, which operations read the database (and so may answer 503 with
``Retry-After``), and the submission body as a ``oneOf`` over the region's services.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hub.api.models import EraseIn, replay_schema
from hub.api.problems import KINDS, MEDIA_TYPE
from hub.api.submission_schema import SubmissionContract

SECURITY_SCHEME = "apiKey"

PUBLIC_PATHS = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/problems/{kind}",
        "/schemas/{service}/{version}",
        # Signed with HMAC headers instead (declared as its parameters).
        "/v1/fit-connect/callbacks/{destination_id}",
    }
)

_REASONS = {
    400: "The body is not UTF-8, not JSON, or repeats a key in one object",
    401: "No API key, or an unknown or disabled one",
    403: "The API key is not bound to this municipality, service or role",
    404: "No such resource",
    409: "The Idempotency-Key was used with another body",
    413: "The body exceeds the configured limit",
    415: "The body is not application/json",
    422: "Parameters or body violate the documented schema, or the submission cannot be routed",
    503: "The database (or a destination) is unavailable; retry after Retry-After seconds",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "enum": [f"/problems/{k}" for k in KINDS]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer (RFC 6901) into the request"},
                    "detail": {"type": "string"},
                    "rule": {"type": "string"},
                    "location": {
                        "type": "string",
                        "description": "XML path in the generated message, for schema and Schematron errors",
                    },
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    """One documented error answer: problem+json (RFC 9457)."""
    out: dict[str, Any] = {
        "description": description or _REASONS.get(status, "Error"),
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 503:
        out["headers"] = {"Retry-After": RETRY_AFTER}
    if status == 401:
        out["headers"] = {
            "WWW-Authenticate": {"description": "The scheme to authenticate with", "schema": {"type": "string"}}
        }
    return out


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: the error statuses it can answer besides auth (added for secured ones)."""
    return {status: problem(status) for status in statuses}


def _secure(operation: dict[str, Any]) -> None:
    operation["security"] = [{SECURITY_SCHEME: []}]
    responses = operation.setdefault("responses", {})
    responses.setdefault("401", problem(401))
    responses.setdefault("403", problem(403))


def _errors_as_problems(operation: dict[str, Any]) -> None:
    # FastAPI documents its own 422 body (HTTPValidationError); the hub answers problem+json.
    for status, response in operation.get("responses", {}).items():
        if status[0] in "45":
            documented = problem(int(status), response.get("description"))
            if status == "422":
                documented["description"] = _REASONS[422]
            response.clear()
            response.update(documented)


def build_document(app: FastAPI, contract: SubmissionContract) -> dict[str, Any]:
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if path in PUBLIC_PATHS:
                operation["security"] = []
            else:
                _secure(operation)
            _errors_as_problems(operation)
    intake = document.get("paths", {}).get("/v1/submissions", {}).get("post")
    if intake is not None:
        intake["requestBody"]["content"]["application/json"]["examples"] = contract.examples
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for framework_only in ("HTTPValidationError", "ValidationError"):
        schemas.pop(framework_only, None)
    schemas.update(contract.components)
    schemas["ReplayIn"] = replay_schema()
    schemas["EraseIn"] = EraseIn.model_json_schema()
    schemas["Problem"] = PROBLEM_SCHEMA
    document["components"]["securitySchemes"] = {
        SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "description": "The API key of a portal or operator"}
    }
    return document
