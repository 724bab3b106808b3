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

from hub.connectors.base import AttachmentData, Destination, SubmissionData
from hub.domain.clock import utcnow
from hub.domain.envelope import SubmissionRequest
from hub.domain.tenancy import ApiClient
from hub.errors import ConfigError, FieldProblem, MappingError, RoutingError
from hub.mapping import pointer
from hub.routing.region import Service
from hub.scanning import Scanner
from hub.service.attachment_types import type_problem
from hub.service.malware import malware_problems
from hub.service.nul_characters import nul_problems
from hub.service.ports import MessageBuilders, Nudger, Routes, SubmissionRecords
from hub.store.submissions import DuplicateIdempotencyKey, NewAttachment, NewDelivery, NewSubmission

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
    def __init__(
        self,
        routes: Routes,
        builders: MessageBuilders,
        records: SubmissionRecords,
        nudger: Nudger,
        scanner: Scanner,
    ) -> None:
        self.routes = routes
        self.builders = builders
        self.records = records
        self.nudger = nudger
        self.scanner = scanner

    def accept(self, client: ApiClient, body: Any, idempotency_key: str | None) -> Accepted:
        # No read before the write: the unique (client, key) constraint decides races and
        # repeats alike, and a repeat is answered from the row that won.
        canonical = canonical_json(body)
        digest = hashlib.sha256(canonical).hexdigest()
        request = _envelope_of(body, canonical)
        service, destinations = self._route(request)
        if not client.may_act_for(request.municipality, request.service):
            raise OutOfScope(f"this API key may not submit {request.service!r} for {request.municipality}")
        attachments = _checked_content(body, request, service)
        self._scan(attachments, request.service)
        envelope = _stored_envelope(request, attachments)
        data = SubmissionData(
            id=str(uuid.uuid4()),
            received_at=utcnow(),
            envelope=envelope,
            attachments=tuple(attachments),
            leika=service.leika,
        )
        deliveries = self._messages(data, destinations)
        try:
            self.records.create(
                NewSubmission(
                    id=data.id,
                    client_id=client.id,
                    service=request.service,
                    municipality=request.municipality,
                    portal_reference=request.portal_reference,
                    idempotency_key=idempotency_key,
                    request_hash=digest,
                    envelope=envelope,
                    received_at=data.received_at,
                    attachments=[NewAttachment(a.file_name, a.media_type, a.sha256, a.content) for a in attachments],
                    deliveries=deliveries,
                )
            )
        except DuplicateIdempotencyKey:
            earlier = self.records.find_by_key(client.id, idempotency_key or "")
            assert earlier is not None
            return _repeat(earlier, digest)
        log.info(
            "submission_accepted",
            submission_id=data.id,
            service=request.service,
            municipality=request.municipality,
            destinations=[d.destination_id for d in deliveries],
        )
        self.nudger.nudge((d.id, d.destination_id) for d in deliveries)
        return Accepted(data.id, "accepted", replayed=False)

    def _route(self, request: SubmissionRequest) -> tuple[Service, list[Destination]]:
        try:
            service = self.routes.service(request.service)
            destinations = self.routes.destinations(request.service, request.municipality)
        except RoutingError as exc:
            raise InvalidSubmission(
                str(exc), [FieldProblem(exc.pointer, str(exc), "routing")], kind="no-route"
            ) from exc
        return service, destinations

    def _scan(self, attachments: list[AttachmentData], service: str) -> None:
        # After the cheap checks (a scan is a round trip per file); a scanner that is down raises ScannerUnavailable.
        infected = malware_problems(self.scanner, attachments, service)
        if any(p.rule == "malware" for p in infected):
            raise InvalidSubmission("an attachment carries malware", infected, kind="malware-found")
        if infected:
            raise InvalidSubmission("an attachment cannot be scanned for malware", infected)

    def _messages(self, data: SubmissionData, destinations: list[Destination]) -> list[NewDelivery]:
        """One delivery per destination with its message built; every mapping problem of all of them at once."""
        problems: list[FieldProblem] = []
        deliveries: list[NewDelivery] = []
        correlation_id = structlog.contextvars.get_contextvars().get("correlation_id")
        for destination in destinations:
            message_id = str(uuid.uuid4())
            try:
                message = self.builders.get(destination).build(data, message_id)
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
        return deliveries


def _envelope_of(body: Any, canonical: bytes) -> SubmissionRequest:
    """The body read as an envelope: a JSON object without NUL characters that the model takes."""
    if not isinstance(body, dict):
        raise InvalidSubmission("the body must be a JSON object", [FieldProblem("", "must be an object", "type")])
    nul = nul_problems(body, canonical)
    if nul:
        raise InvalidSubmission("the submission contains NUL characters", nul)
    try:
        return SubmissionRequest.model_validate(body)
    except ValidationError as exc:
        raise InvalidSubmission("the submission does not match the envelope schema", _pydantic_problems(exc)) from exc


def _checked_content(body: dict[str, Any], request: SubmissionRequest, service: Service) -> list[AttachmentData]:
    """The decoded attachments, once the form, the service's cross checks and the attachments pass."""
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
    return attachments


def _stored_envelope(request: SubmissionRequest, attachments: list[AttachmentData]) -> dict[str, Any]:
    """The envelope as stored and handed to the connectors: the attachments described, not carried."""
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
    return envelope


def _repeat(earlier: tuple[str, str], digest: str) -> Accepted:
    submission_id, earlier_digest = earlier
    if earlier_digest != digest:
        raise IdempotencyConflict(submission_id)
    return Accepted(submission_id, "accepted", replayed=True)
