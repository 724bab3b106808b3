"""A FIT-Connect submission the mailroom received, delivered through the mapping specs like a portal's.

The subscriber source (:mod:`connectors.fitconnect.subscriber`) hands the runner the decrypted,
checked submission: its data (JSON) as the message, the decrypted metadata
(``fit-connect-metadata.json``) as the first attachment, then the submission's files. Here the
data becomes an application as a portal would post it:

* the **service** is the region's service with the submission's LeiKa key (``leika:`` in
  ``region.yaml``; where several share a key, the one the data names as ``service``), else the
  catalogued one of the generic path (``leika-<key>``);
* the **municipality** is the source's (the destination is that body's Zustellpunkt); data naming
  another body is not routed;
* the **application**: data in the hub's envelope shape (an object with ``form``, and
  ``applicant``, ``portalReference`` as a portal posts them) is read as such; any other object is
  the form itself. An ``attachments`` member of the data is not read: FIT-Connect carries the files
  as the submission's attachments, which become the case's (not the metadata file).

The application is checked as at intake (the applicant against the envelope's model, the form
against the service's schema and cross checks, the files' types), then every destination of the
source builds its message with its connector's ``build`` (the mapping engine), exactly as
:class:`hub.service.intake.Intake` does. A failed check is :class:`InvalidCase`
(``schema-violation``), a failed mapping, an unknown key or destination :class:`Unroutable`; the
detail names the data's JSON pointers and the rules, never a value (it is stored in clear).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from pydantic import ValidationError

from hub.connectors.base import AttachmentData, Destination, SubmissionData
from hub.connectors.inbound import SourceConfig
from hub.domain.clock import utcnow
from hub.domain.envelope import Applicant
from hub.errors import ConfigError, FieldProblem, MappingError, RoutingError
from hub.mapping import pointer
from hub.routing.region import Service
from hub.service.attachment_types import type_problem
from hub.service.ports import MessageBuilders, Routes
from hub.service.received_case import CaseMessage, InvalidCase, Unroutable
from hub.store.inbound_cases import INBOUND_CLIENT_ID
from hub.store.submissions import NewAttachment, NewDelivery, NewSubmission

__all__ = ["FIT_CONNECT", "METADATA_FILE", "FitConnectCases", "is_fit_connect"]

FIT_CONNECT = "fit-connect"
"""The standard the runner records for every FIT-Connect submission (``accepts: [fit-connect]``)."""
METADATA_FILE = "fit-connect-metadata.json"
"""The decrypted metadata the subscriber stores as the first attachment: not a file of the application."""
GENERIC_PREFIX = "leika-"
MAX_DETAIL_PROBLEMS = 5


def is_fit_connect(standard: str | None) -> bool:
    """Whether a stored message's standard (``fit-connect-2.1.0``) is a FIT-Connect submission's."""
    return standard is not None and (standard == FIT_CONNECT or standard.startswith(f"{FIT_CONNECT}-"))


class FitConnectCases:
    def __init__(
        self,
        services: Mapping[str, Service],
        routes: Routes,
        destinations: Mapping[str, Destination],
        builders: MessageBuilders,
    ) -> None:
        self.services = services
        self.routes = routes
        self.destinations = destinations
        self.builders = builders

    def submission(self, config: SourceConfig, case: CaseMessage) -> NewSubmission:
        """The case's submission with one mapped delivery per destination of its source."""
        targets = config.destinations_for(case.header.message_type)
        if not targets:
            raise Unroutable(f"the source {config.id!r} names no destinations")
        data = _data(case)
        service = self._service(case.header.message_type, data)
        application, form_only = _application(data, service.id, config.municipality)
        files = _files(case.attachments)
        envelope = _envelope(config, case, service, application, files)
        problems = _problems(service, envelope, files)
        if problems:
            raise InvalidCase(f"the data fails the form of {service.id}: {_detail(problems, form_only)}")
        submission = SubmissionData(
            id=str(uuid.uuid4()), received_at=utcnow(), envelope=envelope, attachments=files, leika=service.leika
        )
        deliveries = [self._delivery(d, submission, form_only) for d in targets]
        return NewSubmission(
            id=submission.id,
            client_id=INBOUND_CLIENT_ID,
            service=service.id,
            municipality=config.municipality,
            portal_reference=_text(application.get("portalReference")),
            idempotency_key=None,
            request_hash=hashlib.sha256(case.content).hexdigest(),
            envelope=envelope,
            received_at=submission.received_at,
            attachments=[NewAttachment(a.file_name, a.media_type, a.sha256, a.content) for a in files],
            deliveries=deliveries,
        )

    def _service(self, leika: str, data: Mapping[str, Any]) -> Service:
        """The region's service with this LeiKa key (the data's ``service`` decides a tie), else the generic one."""
        own = [s for s in self.services.values() if s.leika == leika]
        named = data.get("service")
        if len(own) > 1:
            chosen = [s for s in own if s.id == named]
            if len(chosen) != 1:
                ids = ", ".join(sorted(s.id for s in own))
                raise Unroutable(f"LeiKa key {leika} is the key of {ids}: the data's /service must name one of them")
            return chosen[0]
        if own:
            return own[0]
        try:
            return self.routes.service(GENERIC_PREFIX + leika)
        except RoutingError as exc:
            raise Unroutable(f"no service of the region has LeiKa key {leika!r} ({exc})") from exc

    def _delivery(self, destination_id: str, submission: SubmissionData, form_only: bool) -> NewDelivery:
        destination = self.destinations.get(destination_id)
        if destination is None:
            raise Unroutable(f"destination {destination_id!r} is not configured")
        message_id = str(uuid.uuid4())
        try:
            message = self.builders.get(destination).build(submission, message_id)
        except MappingError as exc:
            raise Unroutable(f"cannot be mapped for {destination_id}: {_detail(exc.problems, form_only)}") from exc
        except ConfigError as exc:
            raise Unroutable(f"destination {destination_id!r} cannot take it: {exc}") from exc
        return NewDelivery(str(uuid.uuid4()), destination_id, message)


def _data(case: CaseMessage) -> dict[str, Any]:
    try:
        data = orjson.loads(case.content)
    except orjson.JSONDecodeError as exc:
        raise InvalidCase(f"the data is not JSON ({case.media_type})") from exc
    if not isinstance(data, dict):
        raise InvalidCase("the data is not a JSON object (/)")
    return data


def _application(data: dict[str, Any], service_id: str, municipality: str) -> tuple[dict[str, Any], bool]:
    """The application as a portal posts it (service and municipality the hub's); True: the data was the form."""
    if not isinstance(data.get("form"), dict):
        return {"service": service_id, "municipality": municipality, "form": data}, True
    named = data.get("municipality")
    if named is not None and named != municipality:
        raise Unroutable(f"/municipality names another body than {municipality}, whose destination received it")
    application = {key: data[key] for key in ("portalReference", "applicant") if data.get(key) is not None}
    return {"service": service_id, "municipality": municipality, **application, "form": data["form"]}, False


def _files(attachments: Sequence[tuple[str | None, str, str, bytes]]) -> tuple[AttachmentData, ...]:
    """The submission's files: every attachment but the metadata the subscriber stored first."""
    parts = list(attachments)
    if parts and parts[0][0] == METADATA_FILE:
        parts = parts[1:]
    return tuple(
        AttachmentData(name or f"anlage-{n + 1}", media_type, sha256, data)
        for n, (name, media_type, sha256, data) in enumerate(parts)
    )


def _envelope(
    config: SourceConfig,
    case: CaseMessage,
    service: Service,
    application: dict[str, Any],
    files: Sequence[AttachmentData],
) -> dict[str, Any]:
    header = case.header
    return {
        **application,
        "attachments": [
            {"fileName": a.file_name, "mediaType": a.media_type, "sha256": a.sha256, "size": len(a.content)}
            for a in files
        ],
        "inbound": {
            "messageId": case.inbound_id,
            "source": config.id,
            "standard": f"{header.standard}-{header.version}",
            "leika": header.message_type,
            "submissionId": header.message_uuid,
            "service": service.id,
        },
    }


def _problems(service: Service, envelope: dict[str, Any], files: Sequence[AttachmentData]) -> list[FieldProblem]:
    """What intake would refuse: the applicant, the form and its cross checks, the files' types."""
    problems: list[FieldProblem] = []
    if "applicant" in envelope:
        try:
            Applicant.model_validate(envelope["applicant"])
        except ValidationError as exc:
            problems += [FieldProblem(pointer.join("/applicant", *e["loc"]), e["msg"], e["type"]) for e in exc.errors()]
    if service.form is not None:
        problems += service.form.problems(envelope.get("form"))
    if service.checks is not None and not problems:
        problems += service.checks.problems(envelope)
    for index, file in enumerate(files):
        mistyped = type_problem(index, file.media_type, file.content, service.attachment_types)
        if mistyped is not None:
            problems.append(mistyped)
    return problems


def _detail(problems: Sequence[FieldProblem], form_only: bool) -> str:
    """The problems' JSON pointers (in the data as sent) and rules; never the values, which may name a person."""
    named = [f"{_in_data(p.pointer, form_only)} ({p.rule or 'invalid'})" for p in problems]
    unique = list(dict.fromkeys(named))
    more = len(unique) - MAX_DETAIL_PROBLEMS
    return "; ".join(unique[:MAX_DETAIL_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")


def _in_data(at: str, form_only: bool) -> str:
    if form_only and (at == "/form" or at.startswith("/form/")):
        return at.removeprefix("/form") or "/"
    return at


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
