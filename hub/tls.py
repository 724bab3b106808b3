"""TLS at the hub's own listener (``hub serve --tls-cert/--tls-key/--client-ca``), for deployments without a
reverse proxy in front.

The server context accepts TLS 1.2 and 1.3 only; for 1.2 it offers only forward-secret AEAD cipher
suites (ECDHE/DHE with AES-GCM or ChaCha20-Poly1305, as in Mozilla's "intermediate" profile); 1.3's
suites are all of that kind already. With a client CA, every client must present a certificate
signed by it (``CERT_REQUIRED``): a portal without one is refused in the handshake, before any HTTP.

The certificate admits a *system*; the API key still says which client it is, its roles and
municipalities. The two are deliberately not bound to each other (a portal's certificate and key
are rotated on their own schedules, and one reverse-proxy-less deployment may serve several
portals through one gateway certificate). What the certificate said is on record instead: every
verified handshake is logged (``tls_client_verified``: subject, issuer, serial, TLS version) and
counted by subject (``hub_tls_client_handshakes_total``); every refused one is logged
(``tls_handshake_refused``) and counted as ``refused``. A certificate subject names a system
(``CN=portal-gladbeck, O=Stadt Gladbeck``), not an applicant.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import Counter

log = structlog.get_logger("hub.tls")

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1:!DSS:!PSK:!SRP"
"""TLS 1.2 suites: forward secrecy and authenticated encryption only (no CBC, RC4, 3DES, SHA-1 MACs)."""

HANDSHAKES = Counter(
    "hub_tls_client_handshakes_total",
    "TLS handshakes at the listener with client certificates required, by the certificate's subject "
    "(refused: no valid certificate)",
    ["subject"],
)


def subject_text(name: Any) -> str:
    """An X.509 name as ``ssl.getpeercert()`` gives it, as ``CN=…, O=…`` (RFC 4514 order is not needed here)."""
    parts = [f"{_SHORT.get(key, key)}={value}" for rdn in name or () for key, value in rdn]
    return ", ".join(parts)


_SHORT = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU", "countryName": "C",
          "localityName": "L", "stateOrProvinceName": "ST", "emailAddress": "emailAddress"}  # fmt: skip


class _RecordedHandshake(ssl.SSLObject):
    """The listener's TLS objects: the handshake's outcome is logged and counted once per connection.

    asyncio (and uvloop) drive the handshake through ``SSLContext.wrap_bio``, whose objects are of
    the context's ``sslobject_class``: the one place every connection passes, whatever HTTP
    implementation uvicorn runs on top.
    """

    def do_handshake(self) -> None:
        try:
            super().do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as exc:
            HANDSHAKES.labels("refused").inc()
            log.warning("tls_handshake_refused", reason=exc.reason or exc.__class__.__name__)
            raise
        certificate = self.getpeercert()
        if certificate:
            subject = subject_text(certificate.get("subject"))
            HANDSHAKES.labels(subject).inc()
            log.info("tls_client_verified", subject=subject, issuer=subject_text(certificate.get("issuer")),
                     serial=certificate.get("serialNumber"), version=self.version())  # fmt: skip


def harden(context: ssl.SSLContext, *, client_ca: Path | None) -> ssl.SSLContext:
    """The listener's context: TLS 1.2 at least, the cipher list above, client certificates if a CA is given."""
    context.minimum_version = MINIMUM_VERSION
    context.set_ciphers(CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=str(client_ca))
        context.sslobject_class = _RecordedHandshake
    return context


def uvicorn_options(cert: Path, key: Path | None, client_ca: Path | None) -> dict[str, Any]:
    """The ``uvicorn.run`` keywords that serve HTTPS with :func:`harden`'s context."""
    for path in (cert, key, client_ca):
        if path is not None and not path.is_file():
            raise FileNotFoundError(f"TLS file {path} does not exist")

    def factory(_config: Any, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
        # uvicorn's default context loads the certificate chain and sets ALPN for its HTTP implementation.
        return harden(default(), client_ca=client_ca)

    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key) if key else None, "ssl_context_factory": factory}
