"""Accepting a submission: validate, route, map for every destination, store atomically, nudge.

Nothing is written unless every step passed, so a rejected request leaves no row behind; once
``accept`` returns, the submission is committed and will be delivered whatever happens next.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from typing import Any

import orjson
import structlog
from pydantic import ValidationError

from hub.bootstrap import HubContext
from hub.connectors.base import AttachmentData, SubmissionData
from hub.domain.envelope import SubmissionRequest
from hub.domain.nul_characters import nul_problems
from hub.errors import ConfigError, FieldProblem, MappingError, RoutingError
from hub.mapping import pointer
from hub.service.attachment_types import type_problem
from hub.service.malware import malware_problems
from hub.store.clients import ApiClient
from hub.store.submissions import DuplicateIdempotencyKey, NewAttachment, NewDelivery, NewSubmission
from hub.store.types import utcnow

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"


class InvalidSubmission(Exception):
    """The envelope, the form or the mapping failed: a 422 listing every problem."""

    def __init__(self, title: str, problems: list[FieldProblem], kind: str = "validation-error") -> None:
        super().__init__(title)
        self.title = title
        self.problems = problems
        self.kind = kind


class IdempotencyConflict(Exception):
    """The key was used before with a different body."""


class OutOfScope(Exception):
    """The client may not act for this municipality or service."""


class DestinationUnavailable(Exception):
    """A destination of the submission cannot build messages (its config, mapping spec or schema set is
    broken or missing): the hub's fault, not the portal's; nothing is stored and the portal may retry."""


@dataclass(frozen=True)
class Accepted:
    id: str
    status: str
    replayed: bool


def canonical_json(body: Any) -> bytes:
    """The body's canonical JSON: the same data in another key order is the same request."""
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def request_hash(body: Any) -> str:
    """Hash of the body's canonical JSON."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _pydantic_problems(exc: ValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-after"))]
        out.append(FieldProblem(pointer.join("", *loc), err["msg"], err["type"]))
    return out


class Intake:
    def __init__(self, hub: HubContext) -> None:
        self.hub = hub

    def accept(self, client: ApiClient, body: Any, idempotency_key: str | None) -> Accepted:
        # No read before the write: the unique (client, key) constraint decides races and
        # repeats alike, and a repeat is answered from the row that won.
        canonical = canonical_json(body)
        digest = hashlib.sha256(canonical).hexdigest()
        if not isinstance(body, dict):
            raise InvalidSubmission("the body must be a JSON object", [FieldProblem("", "must be an object", "type")])
        nul = nul_problems(body, canonical)
        if nul:
            raise InvalidSubmission("the submission contains NUL characters", nul)
        try:
            request = SubmissionRequest.model_validate(body)
        except ValidationError as exc:
            raise InvalidSubmission(
                "the submission does not match the envelope schema", _pydantic_problems(exc)
            ) from exc
        try:
            service = self.hub.router.service(request.service)
            destinations = self.hub.router.destinations(request.service, request.municipality)
        except RoutingError as exc:
            raise InvalidSubmission(
                str(exc), [FieldProblem(exc.pointer, str(exc), "routing")], kind="no-route"
            ) from exc
        if not client.may_act_for(request.municipality, request.service):
            raise OutOfScope(f"this API key may not submit {request.service!r} for {request.municipality}")
        problems = service.form.problems(body.get("form")) if service.form else []
        if service.checks and not problems:
            # Only on a form the schema passed: the checks read values with the schema's types.
            problems = service.checks.problems(body)
        attachments: list[AttachmentData] = []
        for i, a in enumerate(request.attachments):
            try:
                content = a.decoded()
            except ValueError as exc:
                field = "sha256" if "sha256" in str(exc) else "content"
                problems.append(FieldProblem(f"/attachments/{i}/{field}", str(exc), "attachment"))
                continue
            mistyped = type_problem(i, a.media_type, content, service.attachment_types)
            if mistyped is not None:
                problems.append(mistyped)
            attachments.append(AttachmentData(a.file_name, a.media_type, a.sha256.lower(), content))
        if problems:
            raise InvalidSubmission("the submission's data is invalid", problems)
        # After the cheap checks (a scan is a round trip per file); a scanner that is down raises ScannerUnavailable.
        infected = malware_problems(self.hub.scanner, attachments, request.service)
        if any(p.rule == "malware" for p in infected):
            raise InvalidSubmission("an attachment carries malware", infected, kind="malware-found")
        if infected:
            raise InvalidSubmission("an attachment cannot be scanned for malware", infected)

        submission_id = str(uuid.uuid4())
        received_at = utcnow()
        envelope = request.model_dump(mode="json", by_alias=True, exclude={"attachments"}, exclude_none=True)
        envelope["attachments"] = [
            {
                "fileName": a.file_name,
                "mediaType": a.media_type,
                "sha256": a.sha256,
                "size": len(a.content),
            }
            for a in attachments
        ]
        data = SubmissionData(
            id=submission_id,
            received_at=received_at,
            envelope=envelope,
            attachments=tuple(attachments),
        )
        deliveries: list[NewDelivery] = []
        correlation_id = structlog.contextvars.get_contextvars().get("correlation_id")
        for destination in destinations:
            message_id = str(uuid.uuid4())
            try:
                message = self.hub.connectors.get(destination).build(data, message_id)
            except MappingError as exc:
                problems.extend(exc.problems)
                continue
            except ConfigError as exc:
                log.error("destination_misconfigured", destination=destination.id, error=str(exc))
                raise DestinationUnavailable(f"destination {destination.id!r} cannot take submissions: {exc}") from exc
            if correlation_id:
                # Travels with the stored message: worker logs and the receiver see the same id.
                message = replace(message, headers={**message.headers, CORRELATION_HEADER: correlation_id})
            deliveries.append(NewDelivery(str(uuid.uuid4()), destination.id, message))
        if problems:
            unique = {(p.pointer, p.message): p for p in problems}
            raise InvalidSubmission("the submission cannot be mapped for its destinations", list(unique.values()))

        try:
            self.hub.submissions.create(
                NewSubmission(
                    id=submission_id,
                    client_id=client.id,
                    service=request.service,
                    municipality=request.municipality,
                    portal_reference=request.portal_reference,
                    idempotency_key=idempotency_key,
                    request_hash=digest,
                    envelope=envelope,
                    received_at=received_at,
                    attachments=[NewAttachment(a.file_name, a.media_type, a.sha256, a.content) for a in attachments],
                    deliveries=deliveries,
                )
            )
        except DuplicateIdempotencyKey:
            earlier = self.hub.submissions.find_by_key(client.id, idempotency_key or "")
            assert earlier is not None
            return self._repeat(earlier, digest)
        log.info(
            "submission_accepted",
            submission_id=submission_id,
            service=request.service,
            municipality=request.municipality,
            destinations=[d.destination_id for d in deliveries],
        )
        self.hub.dispatcher.nudge((d.id, d.destination_id) for d in deliveries)
        return Accepted(submission_id, "accepted", replayed=False)

    def _repeat(self, earlier: tuple[str, str], digest: str) -> Accepted:
        submission_id, earlier_digest = earlier
        if earlier_digest != digest:
            raise IdempotencyConflict(submission_id)
        return Accepted(submission_id, "accepted", replayed=True)
