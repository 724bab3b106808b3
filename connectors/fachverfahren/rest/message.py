"""What ``fachverfahren-rest`` POSTs: the back office's JSON document, its files inline when the spec says so.

The document is :func:`~connectors.fachverfahren.application.mapped_application`'s; a spec with
``attachments: inline`` adds ``anlagen: [{dateiname, mimeType, sha256, inhalt}]`` (the content base64).
"""

from __future__ import annotations

import base64

import orjson

from connectors.fachverfahren.application import MEDIA_TYPE, mapped_application
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, SubmissionData


def build_message(
    context: ConnectorContext, destination: Destination, submission: SubmissionData, message_id: str
) -> OutboundMessage:
    spec, document = mapped_application(context, destination, submission, message_id)
    if spec.attachments == "inline":
        document["anlagen"] = [
            {
                "dateiname": a.file_name,
                "mimeType": a.media_type,
                "sha256": a.sha256,
                "inhalt": base64.b64encode(a.content).decode(),
            }
            for a in submission.attachments
        ]
    return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=orjson.dumps(document))
