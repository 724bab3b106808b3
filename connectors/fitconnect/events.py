"""Reading a case's event log: Security Event Tokens verified, then turned into the submission's outcome.

Only a SET whose PS512 signature verifies against the platform's keys counts. A SET that fails
verification changes nothing and is logged as a suspected attack (``security_event``), since
nobody but the platform and the subscriber can sign one: a broken one is forged or tampered with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from connectors.fitconnect.jose import InvalidToken, verify_set
from hub.domain.acceptance import Outcome, OutcomeKind

log = structlog.get_logger(__name__)

EVENT_PREFIX = "https://schema.fitko.de/fit-connect/events/"
ACCEPT = EVENT_PREFIX + "accept-submission"
REJECT = EVENT_PREFIX + "reject-submission"


def outcome_of(tokens: Sequence[str], jwks: Mapping[str, Any], submission_id: str, case_id: str) -> Outcome | None:
    """The first accept or reject of ``submission_id`` among the verified SETs; None while undecided."""
    for token in tokens:
        try:
            claims = verify_set(token, jwks)
        except InvalidToken as exc:
            log.error(
                "security_event",
                kind="fitconnect-set-signature-invalid",
                suspected="attack",
                case_id=case_id,
                submission_id=submission_id,
                reason=str(exc),
            )
            continue
        if claims.get("sub") != f"submission:{submission_id}":
            continue
        events = claims.get("events")
        if not isinstance(events, dict):
            continue
        at = claims.get("iat")
        if ACCEPT in events:
            return Outcome(OutcomeKind.ACCEPTED, detail={"eventId": claims.get("jti"), "issuedAt": at})
        if REJECT in events:
            body = events[REJECT] if isinstance(events[REJECT], dict) else {}
            problems = tuple(_problem_text(p) for p in body.get("problems", []) or [])
            return Outcome(OutcomeKind.REJECTED, problems, {"eventId": claims.get("jti"), "issuedAt": at})
    return None


def _problem_text(problem: Any) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    title = str(problem.get("title") or problem.get("type") or "problem")
    detail = problem.get("detail")
    return f"{title}: {detail}" if detail else title
