"""The destination's own keys for the subscriber: private decryption keys by ``kid``, and its signing key.

One JWK set file (settings ``keysFile``) holds them, private halves included, as the destination's
owner registered them: every RSA-OAEP-256 key (``key_ops`` ``unwrapKey``) still in use, since
submissions encrypted before a key rotation arrive for the old key; and the PS512 key
(``key_ops`` ``sign``) whose public half the platform checks the subscriber's SETs against. The
file is read once per source build; its content is never logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from hub.errors import ConfigError

DECRYPT_ALG = "RSA-OAEP-256"
SIGN_ALG = "PS512"
_PRIVATE = ("n", "e", "d", "p", "q", "dp", "dq", "qi")


@dataclass(frozen=True)
class DestinationKeys:
    decryption: Mapping[str, RSAKey]
    """kid -> private key (several during a rotation)."""
    signing: RSAKey
    signing_kid: str


def load_destination_keys(path: str | Path, signing_kid: str | None = None) -> DestinationKeys:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = raw["keys"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"FIT-Connect destination keys {path}: not a readable JWK set ({type(exc).__name__})"
        ) from exc
    decryption: dict[str, RSAKey] = {}
    signing: dict[str, RSAKey] = {}
    for entry in entries if isinstance(entries, list) else []:
        kid, use = _kid(entry, path), _use(entry)
        if use == "decrypt":
            decryption[kid] = _private(entry, kid, path)
        elif use == "sign":
            signing[kid] = _private(entry, kid, path)
    if not decryption:
        raise ConfigError(f"FIT-Connect destination keys {path}: no {DECRYPT_ALG} decryption key")
    chosen = signing_kid or (next(iter(signing)) if len(signing) == 1 else None)
    if chosen is None or chosen not in signing:
        known = ", ".join(signing) or "none"
        raise ConfigError(f"FIT-Connect destination keys {path}: name the signing key (signingKid; known: {known})")
    return DestinationKeys(decryption, signing[chosen], chosen)


def _kid(entry: Any, path: str | Path) -> str:
    if not isinstance(entry, dict) or not entry.get("kid") or entry.get("kty") != "RSA":
        raise ConfigError(f"FIT-Connect destination keys {path}: every key must be an RSA JWK with a kid")
    return str(entry["kid"])


def _use(entry: Mapping[str, Any]) -> str | None:
    ops = entry.get("key_ops") or []
    if entry.get("alg") == DECRYPT_ALG or "unwrapKey" in ops:
        return "decrypt"
    if entry.get("alg") == SIGN_ALG or "sign" in ops:
        return "sign"
    return None


def _private(entry: Mapping[str, Any], kid: str, path: str | Path) -> RSAKey:
    if any(k not in entry for k in _PRIVATE):
        raise ConfigError(f"FIT-Connect destination keys {path}: key {kid!r} lacks its private part")
    # joserfc checks key_ops by its own operation names: import the bare key, the use was read above.
    try:
        return RSAKey.import_key({"kty": "RSA", "kid": kid, **{k: entry[k] for k in _PRIVATE}})
    except ValueError as exc:
        raise ConfigError(f"FIT-Connect destination keys {path}: key {kid!r} is malformed") from exc
