"""Keys and certificates of the FIT-Connect simulator, generated at start with ``cryptography`` and joserfc.

A root CA (which the tests trust) issues each destination's encryption certificate; the
destination publishes its RSA-4096 key as a JWK with ``key_ops: [wrapKey]``, ``alg: RSA-OAEP-256``
and the ``x5c`` chain [leaf, root]. The platform signs its Security Event Tokens (PS512) with a
key of its own, published in its JWKS.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey

ENCRYPTION_KEY_BITS = 4096


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class CertificateAuthority:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(cls, name: str = "FIT-Connect Simulator Root CA") -> CertificateAuthority:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(self, common_name: str, public_key: rsa.RSAPublicKey) -> x509.Certificate:
        now = datetime.now(UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )


def _der_b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


@dataclass(frozen=True)
class EncryptionKey:
    """A destination's key pair: the private half decrypts, the public JWK is what senders fetch."""

    kid: str
    private: RSAKey
    public_jwk: dict[str, Any]

    @classmethod
    def create(cls, ca: CertificateAuthority, owner: str, bits: int = ENCRYPTION_KEY_BITS) -> EncryptionKey:
        kid = uuid.uuid4().hex
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        leaf = ca.issue(owner, private.public_key())
        jwk = RSAKey.import_key(private.public_key()).as_dict(private=False)
        public = {
            "kty": "RSA",
            "kid": kid,
            "key_ops": ["wrapKey"],
            "alg": "RSA-OAEP-256",
            "n": jwk["n"],
            "e": jwk["e"],
            "x5c": [_der_b64(leaf), _der_b64(ca.certificate)],
        }
        return cls(kid, RSAKey.import_key(private, parameters={"kid": kid}), public)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: RSAKey

    @classmethod
    def create(cls, bits: int = 2048) -> SigningKey:
        kid = uuid.uuid4().hex
        return cls(kid, RSAKey.generate_key(bits, parameters={"kid": kid}, private=True))

    def public_jwk(self) -> dict[str, Any]:
        jwk = self.private.as_dict(private=False)
        return {"kty": "RSA", "kid": self.kid, "key_ops": ["verify"], "alg": "PS512", "n": jwk["n"], "e": jwk["e"]}
