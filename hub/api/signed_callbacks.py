"""Reading a FIT-Connect callback: its ``callback-authentication`` checked before its body is trusted.

Both the outbound side's ``NEW_EVENTS`` (``/v1/fit-connect/callbacks/{destination}``) and the
mailroom's ``NEW_SUBMISSIONS`` (``/v1/fit-connect/sources/{source}/callbacks``) are signed the same
way (:mod:`hub.signing`: hex HMAC-SHA512 over ``callback-timestamp + "." + body``, at most five
minutes old), with the secret in the variable the configured destination or source names in
``callbackSecretEnv``. The headers are checked before the secret is looked up, so an unsigned
request learns nothing about what the hub has configured.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import structlog
from fastapi import Request

from hub.api.bodies import parse_json
from hub.api.problems import Problem
from hub.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

log = structlog.get_logger(__name__)

SIGNED_HEADERS = [
    {
        "name": SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "description": "Hex HMAC-SHA512 over callback-timestamp + '.' + body, keyed with the callback secret",
        "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{128}$"},
    },
    {
        "name": TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "description": "Unix time in seconds when the platform signed; at most five minutes old",
        "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
    },
]
"""The two headers, for the routes' OpenAPI ``parameters``."""


async def signed_callback(request: Request, secret_env: Callable[[], object | None], missing: str, **where: str) -> Any:
    """The callback's parsed JSON body, once its signature holds.

    ``secret_env`` names the variable holding the secret (None: no callbacks configured there,
    answered 404 with ``missing``); ``where`` names the destination or source in the log line.
    """
    signature = request.headers.get(SIGNATURE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not signature or not timestamp:
        raise Problem("unauthorized", f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} are required")
    name = secret_env()
    secret = os.environ.get(str(name), "") if name else ""
    if not secret:
        raise Problem("not-found", missing)
    body = await request.body()
    if not verify(secret, body, signature, timestamp):
        log.warning(
            "security_event",
            kind="fitconnect-callback-refused",
            reason="missing, wrong or stale callback-authentication",
            **where,
        )
        raise Problem("unauthorized", "callback-authentication is missing, wrong or older than five minutes")
    return parse_json(body)
