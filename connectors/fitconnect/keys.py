"""Checking a destination's public encryption key before anything is encrypted for it.

FIT-Connect requires: an RSA key of at least 4096 bits meant for key wrapping
(``key_ops`` contains ``wrapKey``, ``alg`` RSA-OAEP-256), whose ``x5c`` chain leads to a trusted
root, and whose leaf certificate carries the very same public key. A key failing any check is
refused (permanent): encrypting an application for an unverified key could hand it to anyone.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from hub.errors import ConfigError, PermanentError

MIN_KEY_BITS = 4096
ENCRYPTION_ALG = "RSA-OAEP-256"


def load_trust_anchors(path: str | Path) -> list[x509.Certificate]:
    """The root certificates (PEM, one or more) that a destination's key chain must lead to."""
    try:
        anchors = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"FIT-Connect trust anchors {path}: {exc}") from exc
    if not anchors:
        raise ConfigError(f"FIT-Connect trust anchors {path}: no certificate")
    return anchors


def checked_encryption_key(
    jwk: Mapping[str, Any], anchors: Sequence[x509.Certificate], now: datetime | None = None
) -> RSAKey:
    """The key, ready for JWE, once every FIT-Connect requirement holds; else :class:`PermanentError`."""
    if jwk.get("kty") != "RSA":
        raise PermanentError(f"encryption key {jwk.get('kid')!r} is not an RSA key")
    if "wrapKey" not in (jwk.get("key_ops") or []):
        raise PermanentError(f"encryption key {jwk.get('kid')!r} is not meant for wrapKey")
    if jwk.get("alg") != ENCRYPTION_ALG:
        raise PermanentError(f"encryption key {jwk.get('kid')!r} has alg {jwk.get('alg')!r}, not {ENCRYPTION_ALG}")
    # joserfc names RSA-OAEP's operation "encrypt"; the key_ops were checked above, so use the bare key.
    try:
        key = RSAKey.import_key({"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": jwk["kid"]})
    except (KeyError, ValueError) as exc:
        raise PermanentError(f"encryption key is malformed: {exc}") from exc
    public = key.raw_value
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < MIN_KEY_BITS:
        bits = public.key_size if isinstance(public, rsa.RSAPublicKey) else "?"
        raise PermanentError(f"encryption key {jwk['kid']!r} has {bits} bits, FIT-Connect requires {MIN_KEY_BITS}")
    chain = _chain(jwk)
    leaf_key = chain[0].public_key()
    if not isinstance(leaf_key, rsa.RSAPublicKey) or leaf_key.public_numbers() != public.public_numbers():
        raise PermanentError(f"encryption key {jwk['kid']!r} differs from its certificate's key")
    _verify_chain(chain, anchors, now or datetime.now(UTC))
    return key


def _chain(jwk: Mapping[str, Any]) -> list[x509.Certificate]:
    encoded = jwk.get("x5c") or []
    if not encoded:
        raise PermanentError(f"encryption key {jwk.get('kid')!r} carries no x5c certificate chain")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c)) for c in encoded]
    except ValueError as exc:
        raise PermanentError(f"encryption key {jwk.get('kid')!r}: unreadable x5c certificate: {exc}") from exc


def _verify_chain(chain: list[x509.Certificate], anchors: Sequence[x509.Certificate], now: datetime) -> None:
    for cert in chain:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise PermanentError(f"certificate {cert.subject.rfc4514_string()} is not valid now")
    try:
        for child, parent in itertools.pairwise(chain):
            child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise PermanentError(f"x5c chain is broken: {exc}") from exc
    top = chain[-1]
    for anchor in anchors:
        if top == anchor:
            return
        try:
            top.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise PermanentError(f"x5c chain of {chain[0].subject.rfc4514_string()} does not lead to a trusted root")
