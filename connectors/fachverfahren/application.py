"""The application as a back office's JSON document: the mapping spec's output plus the ``nachricht`` block.

The REST connector POSTs it and the file drop writes it (:mod:`.rest.message`, :mod:`.filedrop.message`);
each adds its own ``anlagen`` list. The spec is the one for (service, the destination's ``standard``),
by default ``fachverfahren-json``::

    nachricht:
      nachrichtId: 3f2c…              # the hub's message id, the same on every retry
      einreichungId: 6c1f…            # the submission's id in the hub
      eingang: 2026-05-04T10:15:00+02:00
      leistung: hundesteuer-anmeldung
      gemeindeschluessel: "05562014"
"""

from __future__ import annotations

from typing import Any

from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.connectors.mapping import MappingSpec, apply_spec

DEFAULT_STANDARD = "fachverfahren-json"
MEDIA_TYPE = "application/json"


def mapped_application(
    context: ConnectorContext, destination: Destination, submission: SubmissionData, message_id: str
) -> tuple[MappingSpec, dict[str, Any]]:
    """The spec used and the document it makes of the submission, with the ``nachricht`` block."""
    spec = context.mappings.get(submission.service, destination.standard or DEFAULT_STANDARD)
    document = apply_spec(spec, dict(submission.envelope))
    document["nachricht"] = {
        "nachrichtId": message_id,
        "einreichungId": submission.id,
        "eingang": submission.received_at.isoformat(),
        "leistung": submission.service,
        "gemeindeschluessel": submission.municipality,
    }
    return spec, document
