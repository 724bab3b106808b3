"""The ``hub`` object of a Gewerbemeldung: what the XGewerbeanzeige specs read beside the envelope.

A Gewerbeanzeige is the municipality's record, so the frame names the reporting Gewerbeamt
(:mod:`.gewerbeamt`) as author, and the receiver with the code list of its Behördenkennung; its
contract is in the headers of the specs ``mappings/gewerbe-<kind>.<standard>.yaml``.
"""

from __future__ import annotations

from typing import Any

from connectors.gewerbe_nrw.settings import GewerbeSettings
from connectors.xoev.frame import Authority
from hub.connectors.base import SubmissionData


def gewerbe_frame(
    submission: SubmissionData, message_id: str, reader: Authority, settings: GewerbeSettings
) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "submissionId": submission.id,
        "createdAt": submission.received_at.isoformat(timespec="seconds"),
        "messageType": settings.message_type.as_dict(),
        "reader": {**reader.as_dict(), **settings.reader_list},
        "gewerbeamt": settings.gewerbeamt.as_dict(),
    }
