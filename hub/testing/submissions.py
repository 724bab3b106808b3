"""Submissions as a connector sees them at intake, and messages as the worker hands them to ``send``.

:func:`submission_from` turns a portal's envelope (the JSON posted to ``/v1/submissions``) into the
:class:`~hub.connectors.base.SubmissionData` intake gives ``build``: checked against the envelope
model, attachments decoded, the envelope's ``attachments`` reduced to their metadata.
:func:`as_stored` is the other end: the message as the delivery worker rebuilds it from the
database on every attempt (headers through JSON, the stored files beside it when the connector
``sends_attachments``), so a test sends exactly what the hub would. :func:`demo_submission` is a
sample of the deployment config as intake hands it on, with its service's LeiKa key from the region.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hub.config import Settings
from hub.connectors.base import AttachmentData, Connector, SubmissionData
from hub.domain.envelope import SubmissionRequest
from hub.domain.message import MessageAttachment, OutboundMessage
from hub.routing import load_region


def submission_from(
    envelope: Mapping[str, Any],
    *,
    submission_id: str | None = None,
    received_at: datetime | None = None,
    leika: str | None = None,
) -> SubmissionData:
    """The submission intake would hand a connector for this envelope (form schemas are not checked);
    ``leika`` is its service's LeiKa key, as intake takes it from the region.

    Raises ``pydantic.ValidationError`` for an envelope the API would refuse with 422.
    """
    request = SubmissionRequest.model_validate(dict(envelope))
    attachments = tuple(
        AttachmentData(a.file_name, a.media_type, a.sha256.lower(), a.decoded()) for a in request.attachments
    )
    data = request.model_dump(mode="json", by_alias=True, exclude={"attachments"}, exclude_none=True)
    data["attachments"] = [
        {"fileName": a.file_name, "mediaType": a.media_type, "sha256": a.sha256, "size": len(a.content)}
        for a in attachments
    ]
    return SubmissionData(
        id=submission_id or str(uuid.uuid4()),
        received_at=received_at or datetime.now(UTC),
        envelope=data,
        attachments=attachments,
        leika=leika,
    )


def load_envelope(path: Path | str) -> dict[str, Any]:
    """An envelope from a JSON file."""
    envelope: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return envelope


def demo_sample(name: str) -> dict[str, Any]:
    """A sample envelope of the deployment config (``HUB_CONFIG_DIR/samples/<name>.json``), e.g.
    ``demo_sample("hundesteuer-anmeldung")``: every sample there is a valid submission of its service."""
    return load_envelope(Settings().config_dir / "samples" / f"{name}.json")


def demo_submission(name: str) -> SubmissionData:
    """:func:`demo_sample` ``name`` as intake hands it to a connector: with its service's LeiKa key."""
    envelope = demo_sample(name)
    return submission_from(envelope, leika=_demo_keys().get(str(envelope["service"])))


@cache
def _demo_keys() -> dict[str, str]:
    services = load_region(Settings().config_dir).services.values()
    return {s.id: s.leika for s in services if s.leika}


def as_stored(message: OutboundMessage, submission: SubmissionData, connector: Connector) -> OutboundMessage:
    """``message`` as the worker sends it on every attempt: rebuilt from what the hub stored.

    Headers go through JSON (the store keeps them in a JSON column); the submission's files are
    attached only for connectors that declare ``sends_attachments``.
    """
    headers: dict[str, str] = json.loads(json.dumps(message.headers))
    files = (
        tuple(MessageAttachment(a.file_name, a.media_type, a.sha256, a.content) for a in submission.attachments)
        if connector.sends_attachments
        else ()
    )
    return OutboundMessage(message.message_id, message.media_type, bytes(message.body), headers, files)


__all__ = ["as_stored", "demo_sample", "demo_submission", "load_envelope", "submission_from"]
