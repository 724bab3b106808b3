"""The Routing API's ``destinationSignature``: proof that a route really comes from FIT-Connect.

Each route carries a JWT signed by the platform (PS512, key in the Submission API's JWKS) whose
claims name the destination and the services and areas it is responsible for. A route whose
signature does not verify, or that names another destination, service or area than asked for,
could send an application — encrypted for whatever key that destination publishes — to a party
that is not the responsible authority: it is refused, and logged as a suspected attack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from connectors.fitconnect.jose import InvalidToken, verify_signed
from hub.errors import PermanentError

log = structlog.get_logger(__name__)

LEIKA_URN = "urn:de:fim:leika:leistung:"
ARS_URN = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"


def check_route_signature(
    signature: str, jwks: Mapping[str, Any], *, destination_id: str, leika_key: str, ars: str
) -> None:
    """Raise :class:`PermanentError` unless the signature is the platform's and vouches for this route."""
    try:
        claims = verify_signed(signature, jwks, "jwt")
        problem = _mismatch(claims, destination_id, leika_key, ars)
    except InvalidToken as exc:
        problem = f"signature does not verify: {exc}"
    if problem is None:
        return
    log.error(
        "security_event",
        kind="fitconnect-route-signature-invalid",
        suspected="attack",
        destination_id=destination_id,
        leika_key=leika_key,
        ars=ars,
        reason=problem,
    )
    raise PermanentError(f"FIT-Connect route to {destination_id} refused: {problem}")


def _mismatch(claims: Mapping[str, Any], destination_id: str, leika_key: str, ars: str) -> str | None:
    if claims.get("destinationId") != destination_id:
        return f"signed for destination {claims.get('destinationId')!r}"
    services = claims.get("services")
    if not isinstance(services, list):
        return "names no services"
    for service in services:
        if not isinstance(service, Mapping):
            continue
        if LEIKA_URN + leika_key in (service.get("leistungIDs") or []) and ARS_URN + ars in (
            service.get("gebietIDs") or []
        ):
            return None
    return f"not signed for leikaKey {leika_key} in ARS {ars}"
