"""HTTP delivery shared by the HTTP-based connectors: one pooled client, one error classification.

Transient: connect errors, timeouts, dropped connections, 408, 425, 429 and 5xx (honouring
``Retry-After``). Permanent: every other 4xx, with the receiver's reason taken from the body.
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
    return httpx.Client(
        timeout=httpx.Timeout(destination.timeout_seconds),
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
        verify=verify,
        follow_redirects=False,
    )


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
    """Map httpx's transport failures to transient delivery errors."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientError(f"timeout: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"transport error: {type(exc).__name__}: {exc}") from exc
