"""Problem details (RFC 9457) with one stable ``type`` per kind of error.

Types are URIs relative to the hub (``/problems/<kind>``); the hub serves a short page for each,
so a portal developer who meets one can look it up.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from hub.errors import FieldProblem
from hub.mapping import pointer

MEDIA_TYPE = "application/problem+json"

KINDS: dict[str, tuple[int, str, str]] = {
    # kind: (status, title, explanation)
    "malformed-json": (400, "Malformed JSON", "The request body is not valid JSON (RFC 8259)."),
    "duplicate-key": (
        400,
        "Duplicate key in a JSON object",
        "A key occurs twice in one object of the body; readers disagree on which value counts, so the hub "
        "takes neither. 'errors' names the repeated key by JSON pointer.",
    ),
    "unauthorized": (
        401,
        "Authentication required",
        "Send a valid API key as 'Authorization: Bearer <key>'.",
    ),
    "forbidden": (
        403,
        "Not allowed for this API key",
        "The key is not bound to this municipality, service or role.",
    ),
    "not-found": (404, "Not found", "No such resource."),
    "method-not-allowed": (405, "Method not allowed", "This resource does not support the method."),
    "idempotency-conflict": (
        409,
        "Idempotency key reused with a different body",
        "An Idempotency-Key identifies one request body; use a new key for new data.",
    ),
    "payload-too-large": (
        413,
        "Request body too large",
        "The body exceeds the configured HUB_MAX_BODY_BYTES.",
    ),
    "unsupported-media-type": (415, "Unsupported media type", "Send the body as application/json."),
    "validation-error": (
        422,
        "The submission is invalid",
        "One or more fields violate the envelope schema, the service's form schema or the mapping to a destination. "
        "Each entry of 'errors' names the field by JSON pointer (RFC 6901) into the request body.",
    ),
    "no-route": (
        422,
        "The submission cannot be routed",
        "The service or municipality is unknown, or the municipality does not offer the service through the hub.",
    ),
    "malware-found": (
        422,
        "An attachment carries malware",
        "The malware scanner found a signature in an attachment; each entry of 'errors' names the attachment by "
        "JSON pointer and the signature. Nothing was stored.",
    ),
    "scanner-unavailable": (
        503,
        "Attachments cannot be scanned for malware",
        "The hub's malware scanner is down or too slow, and no attachment is accepted unscanned. Nothing was "
        "stored; retry after the seconds given in Retry-After, with the same Idempotency-Key.",
    ),
    "internal-error": (
        500,
        "Internal error",
        "The hub failed; nothing was stored. Retry with the same Idempotency-Key.",
    ),
    "database-unavailable": (
        503,
        "The hub's database is unavailable",
        "The hub cannot reach its database right now (restarting, overloaded or locked). Nothing was "
        "stored; retry after the seconds given in Retry-After, with the same Idempotency-Key.",
    ),
    "no-reply-channel": (
        409,
        "The case offers no way back",
        "A reply returns the way its case came; this case offers none (a portal without a callback URL, a "
        "FIT-Connect submission without replyChannel.fitConnect, a purged case). Nothing was stored.",
    ),
    "destination-unavailable": (
        503,
        "A destination cannot take submissions",
        "A destination of this submission is misconfigured in the hub (for example a schema set is not "
        "installed); operators have been told through the log. Nothing was stored; retry later.",
    ),
}


def problem_type(kind: str) -> str:
    return f"/problems/{kind}"


class Problem(Exception):
    def __init__(
        self,
        kind: str,
        detail: str | None = None,
        *,
        errors: list[FieldProblem] | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.status, default_title, _ = KINDS[kind]
        self.title = title or default_title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": problem_type(self.kind),
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            out["detail"] = self.detail
        if instance:
            out["instance"] = instance
        if self.errors:
            out["errors"] = [e.as_dict() for e in self.errors]
        out.update(self.extra)
        return out


def problem_response(problem: Problem, request: Request | None = None) -> Response:
    instance = request.url.path if request is not None else None
    return Response(
        orjson.dumps(problem.body(instance)),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


async def handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}.get(
        exc.status_code, "internal-error"
    )
    # The framework's headers carry meaning: Allow on 405 (RFC 9110 requires it).
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(Problem(kind, str(exc.detail) if exc.detail else None, headers=headers), request)


async def handle_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldProblem(pointer.join("", *err["loc"]), err["msg"], err["type"]) for err in exc.errors()]
    return problem_response(Problem("validation-error", "invalid request parameters", errors=errors), request)
