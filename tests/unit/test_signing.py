from __future__ import annotations

import hashlib
import hmac

from hub.signing import MAX_AGE_SECONDS, sign, signed_headers, verify


def test_signature_is_hmac_sha512_over_timestamp_dot_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(b"key", b"1700000000." + body, hashlib.sha512).hexdigest()
    assert sign("key", body, 1700000000) == expected


def test_verify_accepts_fresh_and_refuses_tampered_stale_and_future() -> None:
    body = b'{"status":"delivered"}'
    headers = signed_headers("key", body, timestamp=1_000_000)
    sig, ts = headers["callback-authentication"], headers["callback-timestamp"]
    assert verify("key", body, sig, ts, now=1_000_010)
    assert not verify("key", body + b" ", sig, ts, now=1_000_010)
    assert not verify("other", body, sig, ts, now=1_000_010)
    assert not verify("key", body, sig, ts, now=1_000_000 + MAX_AGE_SECONDS + 1)
    assert not verify("key", body, sig, ts, now=1_000_000 - MAX_AGE_SECONDS - 1)
    assert not verify("key", body, sig, "not-a-number", now=1_000_010)
