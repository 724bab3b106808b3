"""What ``echo-json`` sends: the submission as one JSON document, keyed by the portal's reference.

The receiving system files cases under the portal's reference, so a submission without one cannot be
delivered there: that is a :class:`~hub.errors.MappingError` at intake (a 422 naming ``/portalReference``),
never a message that fails later in a queue.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.connectors.base import OutboundMessage, SubmissionData
from hub.errors import FieldProblem, MappingError

MEDIA_TYPE = "application/json"


def build_message(submission: SubmissionData, message_id: str) -> OutboundMessage:
    """The JSON message for ``submission``; the same bytes for the same submission and message id."""
    envelope = submission.envelope
    reference = envelope.get("portalReference")
    if not reference:
        problem = FieldProblem("/portalReference", "the receiving system files cases by it", "echo-json")
        raise MappingError("the submission has no portal reference", [problem])
    body: dict[str, Any] = {
        "messageId": message_id,
        "submissionId": submission.id,
        "receivedAt": submission.received_at.isoformat(),
        "service": submission.service,
        "municipality": submission.municipality,
        "portalReference": reference,
        "applicant": envelope.get("applicant"),
        "form": envelope.get("form"),
        "attachments": [{"fileName": a.file_name, "sha256": a.sha256} for a in submission.attachments],
    }
    return OutboundMessage(message_id, MEDIA_TYPE, orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
