"""How ``echo-json`` words a failed delivery: worth retrying (transient) or never going to work (permanent).

Transient: nothing listening, timeouts, broken connections, 408, 425, 429 and every 5xx (with the
receiver's ``Retry-After`` in seconds, if it sent one). Permanent: every other 4xx. The hub retries
the first with the destination's backoff and makes the second a dead letter an operator can replay.
"""

from __future__ import annotations

import httpx

from hub.errors import DeliveryError, PermanentError, TransientError

RETRY_STATUS = frozenset({408, 425, 429})
EXCERPT_CHARS = 300


def transport_failure(exc: httpx.TransportError) -> TransientError:
    """The request did not get an answer (refused, timed out, dropped)."""
    return TransientError(f"no answer from the receiver: {type(exc).__name__}: {exc}")


def answer_failure(response: httpx.Response) -> DeliveryError:
    """The receiver answered, but not with success."""
    excerpt = response.text[:EXCERPT_CHARS]
    message = f"{response.status_code} from the receiver: {excerpt or response.reason_phrase}"
    if response.status_code >= 500 or response.status_code in RETRY_STATUS:
        after = response.headers.get("Retry-After", "")
        retry_after = float(after) if after.isdigit() else None
        return TransientError(
            message, status_code=response.status_code, response_excerpt=excerpt, retry_after=retry_after
        )
    return PermanentError(message, status_code=response.status_code, response_excerpt=excerpt)
