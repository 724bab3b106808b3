"""HMAC-SHA512 signatures in the FIT-Connect callback scheme.

The signature is ``hex(HMAC-SHA512(secret, timestamp + "." + body))`` sent in the header
``callback-authentication`` with the Unix ``timestamp`` in ``callback-timestamp``. A receiver
rejects a signature older than five minutes, so a captured callback cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "callback-authentication"
TIMESTAMP_HEADER = "callback-timestamp"
MAX_AGE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha512)
    return mac.hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {SIGNATURE_HEADER: sign(secret, body, ts), TIMESTAMP_HEADER: str(ts)}


def verify(
    secret: str,
    body: bytes,
    signature: str,
    timestamp: str,
    *,
    now: float | None = None,
    max_age: int = MAX_AGE_SECONDS,
) -> bool:
    """True when the signature matches and the timestamp is fresh (and not from the future)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > max_age:
        return False
    return hmac.compare_digest(sign(secret, body, ts), signature.lower())
