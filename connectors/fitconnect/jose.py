"""The JOSE parts of FIT-Connect, with joserfc: JWE for what is sent, JWS (PS512) for what is received.

Payloads (metadata, data, attachments) are encrypted as JWE compact serialisation with
RSA-OAEP-256 key wrapping and A256GCM content encryption for the destination's key. Event log
entries are Security Event Tokens signed PS512, verified against the platform's JWKS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry, encrypt_compact
from joserfc.jwk import KeySet, RSAKey

from hub.errors import PermanentError

JWE_ALG = "RSA-OAEP-256"
JWE_ENC = "A256GCM"
SET_ALG = "PS512"
JWE_REGISTRY = JWERegistry(algorithms=[JWE_ALG, JWE_ENC])


def encrypt(payload: bytes, key: RSAKey, content_type: str) -> str:
    header = {"alg": JWE_ALG, "enc": JWE_ENC, "kid": key.kid, "cty": content_type, "zip": None}
    header = {k: v for k, v in header.items() if v is not None}
    return encrypt_compact(header, payload, key, registry=JWE_REGISTRY)


class InvalidToken(Exception):
    """A signed token (SET, route signature) whose signature, key or form is wrong: evidence of tampering."""


def verify_set(token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The claims of a PS512-signed SET whose ``kid`` is in ``jwks``; :class:`InvalidToken` otherwise."""
    return verify_signed(token, jwks, "secevent+jwt")


def verify_signed(token: str, jwks: Mapping[str, Any], typ: str) -> dict[str, Any]:
    """The claims of a PS512-signed JWT of type ``typ`` whose ``kid`` is in ``jwks`` (SETs, route signatures)."""
    try:
        keys = KeySet.import_key_set({"keys": [_verification_key(k) for k in jwks.get("keys", [])]})
        obj = jws.deserialize_compact(token, keys, algorithms=[SET_ALG])
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(f"{type(exc).__name__}: {exc}") from exc
    if str(obj.protected.get("typ", "")).lower() != typ:
        raise InvalidToken(f"typ {obj.protected.get('typ')!r} is not {typ}")
    try:
        claims = orjson.loads(obj.payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidToken("payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("payload is not a JSON object")
    return claims


def _verification_key(jwk: Mapping[str, Any]) -> dict[str, Any]:
    if jwk.get("kty") != "RSA" or jwk.get("alg", SET_ALG) != SET_ALG:
        raise PermanentError(f"platform key {jwk.get('kid')!r} is not an RSA {SET_ALG} key")
    return {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": jwk["kid"], "alg": SET_ALG}
