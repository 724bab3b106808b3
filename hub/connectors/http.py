"""HTTP delivery shared by the HTTP-based connectors: one pooled client, one error classification.

Every client built here runs on :class:`~hub.connectors.deadline_transport.DeadlineTransport`, so
each request made inside an attempt (:func:`~hub.connectors.deadline.attempt_deadline`) is bounded
by the attempt's deadline and its answer by the destination's ``maxAnswerBytes``.

Transient: connect errors, timeouts, dropped connections, 408, 425, 429 and 5xx (honouring
``Retry-After``), the attempt's deadline or answer cap exceeded, and a 2xx whose body is not what
the connector expects (:func:`expect_json`: a proxy's HTML error page, truncated JSON), since such
an answer proves nothing about the receiver. Permanent: every other 4xx, with the receiver's reason
taken from the body.
"""

from __future__ import annotations

import email.utils
import json
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from hub.connectors.base import Destination
from hub.connectors.deadline import AnswerTooLarge, AttemptTimeout, current_deadline
from hub.connectors.deadline_transport import DeadlineTransport, deadline_client
from hub.errors import PermanentError, TransientError

TRANSIENT_STATUS = frozenset({408, 425, 429})
EXCERPT_CHARS = 500


def client_for(destination: Destination, *, max_connections: int | None = None) -> httpx.Client:
    """A keep-alive client sized to the destination's concurrency, with its TLS client certificate."""
    tls: dict[str, Any] = destination.settings.get("tls") or {}
    verify: ssl.SSLContext | bool = True
    if tls:
        ctx = ssl.create_default_context(cafile=tls.get("caFile"))
        if tls.get("certFile"):
            ctx.load_cert_chain(tls["certFile"], tls.get("keyFile"))
        verify = ctx
    limit = max_connections or max(destination.concurrency, 1)
    return deadline_client(destination.timeout_seconds, verify=verify, max_connections=limit)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (now if now is not None else time.time()), 0.0)


def receiver_reason(response: httpx.Response) -> str:
    """The receiver's own words: problem+json ``detail``/``title``, a JSON ``message``, or the text."""
    text = response.text[:EXCERPT_CHARS]
    try:
        body = json.loads(response.content)
    except ValueError:
        return text.strip() or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "message", "error", "title"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return text


def raise_for_delivery(response: httpx.Response) -> None:
    """Turn a non-2xx answer into the matching :class:`~hub.errors.DeliveryError`."""
    status = response.status_code
    if status < 300:
        return
    reason = f"{status} {receiver_reason(response)}"
    excerpt = response.text[:EXCERPT_CHARS]
    if status in TRANSIENT_STATUS or status >= 500:
        raise TransientError(
            reason,
            status_code=status,
            response_excerpt=excerpt,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    raise PermanentError(reason, status_code=status, response_excerpt=excerpt)


@contextmanager
def transport_errors() -> Iterator[None]:
    """Map httpx's transport failures to transient delivery errors; one the attempt's deadline
    caused (its abort shut the socket) is an :class:`AttemptTimeout`."""
    try:
        yield
    except (AttemptTimeout, AnswerTooLarge):
        raise
    except httpx.TransportError as exc:
        deadline = current_deadline()
        if deadline is not None and deadline.expired:
            raise deadline.exceeded() from exc
        if isinstance(exc, httpx.TimeoutException):
            raise TransientError(f"timeout: {type(exc).__name__}") from exc
        raise TransientError(f"transport error: {type(exc).__name__}: {exc}") from exc


JSON_MEDIA_TYPES = ("application/json", "application/problem+json")


def expect_json(response: httpx.Response, what: str = "receiver") -> Any:
    """The JSON body of a 2xx answer; anything else is a :class:`TransientError`, not a refusal.

    A proxy or load balancer in front of a receiver answers 200 with its own HTML page, or cuts an
    answer short: that says nothing about whether the receiver took the message, so the attempt is
    retried (the receiver discards a repeat by its ``Idempotency-Key``), never made dead or counted
    as delivered.
    """
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    excerpt = response.text[:EXCERPT_CHARS]
    if not (media_type in JSON_MEDIA_TYPES or media_type.endswith("+json")):
        raise TransientError(
            f"{response.status_code}: {what} answered {media_type or 'without a content type'}, not JSON"
            " (an intermediary's page?)",
            status_code=response.status_code,
            response_excerpt=excerpt,
        )
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise TransientError(
            f"{response.status_code}: {what} answered with invalid or truncated JSON",
            status_code=response.status_code,
            response_excerpt=excerpt,
        ) from exc


def refuse_html_page(response: httpx.Response, what: str = "receiver") -> None:
    """A 2xx answered with an HTML page is a :class:`TransientError`, for receivers whose answer's
    body does not matter otherwise (status callbacks).

    An API endpoint does not answer with a web page; a proxy, a captive portal or a login wall in
    front of it does, and then the receiver never saw the message.
    """
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in ("text/html", "application/xhtml+xml"):
        raise TransientError(
            f"{response.status_code}: {what} answered with an HTML page (an intermediary's page?)",
            status_code=response.status_code,
            response_excerpt=response.text[:EXCERPT_CHARS],
        )


__all__ = [
    "EXCERPT_CHARS",
    "JSON_MEDIA_TYPES",
    "TRANSIENT_STATUS",
    "DeadlineTransport",
    "client_for",
    "deadline_client",
    "expect_json",
    "parse_retry_after",
    "raise_for_delivery",
    "receiver_reason",
    "refuse_html_page",
    "transport_errors",
]
