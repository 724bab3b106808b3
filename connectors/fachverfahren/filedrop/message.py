"""What ``fachverfahren-filedrop`` writes as ``<messageId>.json``: the back office's JSON document with
its files listed where the drop puts them.

The document is :func:`~connectors.fachverfahren.application.mapped_application`'s; unless the spec
says ``attachments: none``, each file is listed as ``anlagen: [{dateiname, pfad, mimeType, sha256,
groesse}]``, ``pfad`` being where :func:`~.plan.attachment_paths` puts it. The body is the single
source of truth at send time: the drop writes exactly the files it lists (:class:`~.plan.DropPlan`).
"""

from __future__ import annotations

import orjson

from connectors.fachverfahren.application import MEDIA_TYPE, mapped_application
from connectors.fachverfahren.filedrop.plan import attachment_paths
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, SubmissionData


def build_message(
    context: ConnectorContext, destination: Destination, submission: SubmissionData, message_id: str
) -> OutboundMessage:
    spec, document = mapped_application(context, destination, submission, message_id)
    if spec.attachments != "none" and submission.attachments:
        paths = attachment_paths(message_id, [a.file_name for a in submission.attachments])
        document["anlagen"] = [
            {
                "dateiname": a.file_name,
                "pfad": path,
                "mimeType": a.media_type,
                "sha256": a.sha256,
                "groesse": len(a.content),
            }
            for a, path in zip(submission.attachments, paths, strict=True)
        ]
    return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=orjson.dumps(document))
