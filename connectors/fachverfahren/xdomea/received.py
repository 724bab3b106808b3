"""A message the mailroom received (an XÖV message), wrapped as xdomea 3.1.0 for the DMS.

The DMS files what the hub received like an application from a portal, with the same message
(FVDaten.SGOAblegen.0605, ``mappings/any.xdomea-3.1.0.yaml``): one Vorgang, whose **first
Dokument is the received message itself**, byte for byte (its primary document, a file of the
container), followed by one Dokument per attachment that came with it. There is no portal form and
no applicant: the Vorgang's subject names the standard and message type, its
AnwendungsspezifischeErweiterung (Kennung ``urn:x-emscher-lippe-hub:eingang``) carries where the
message came from (source, standard, message type, ``nachrichtenUUID``, the mailroom's message id),
none of it personal data. The DMS reads the XÖV message from the file; the hub does not translate
it.

Everything is derived from the stored case (its submission's envelope ``inbound`` and files), so
building it again gives the same message, and the document ids (UUID v5 of the submission id and
position, :mod:`.documents`) stay the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hub.connectors.base import AttachmentData, SubmissionData

KENNUNG = "urn:x-emscher-lippe-hub:eingang"
DESCRIPTION = "Herkunft der eingegangenen Nachricht: Name = Angabe, Wert = ihr Inhalt"
MESSAGE_TYPE = "Eingegangene Nachricht"
ATTACHMENT_TYPE = "Anlage zur Nachricht"
_FIELDS = (
    ("quelle", "source"),
    ("standard", "standard"),
    ("nachrichtentyp", "messageType"),
    ("nachrichtenUUID", "nachrichtenUUID"),
    ("eingangsnummer", "messageId"),
)


def _inbound(submission: SubmissionData) -> Mapping[str, Any]:
    found = submission.envelope.get("inbound")
    return found if isinstance(found, Mapping) else {}


def message_file_name(submission: SubmissionData, media_type: str) -> str:
    """The received message's name: standard and message type (``xgewerbeanzeige-2.2_abh.gewerbemeldung.0500.xml``).

    Never the message type alone: ``<uuid>_abh.gewerbemeldung.0500.xml`` has the shape of the
    container's own xdomea message (``<ProzessID>_<Nachricht>.xml``), and a DMS would take the wrong one.
    """
    inbound = _inbound(submission)
    name = "_".join(str(inbound[key]) for key in ("standard", "messageType") if inbound.get(key)) or "nachricht"
    return f"{name}.xml" if media_type.endswith("xml") else name


def wrapped_submission(submission: SubmissionData, content: bytes, media_type: str) -> SubmissionData:
    """The case as the xdomea spec reads it: the received message first among the files, no form, no applicant."""
    primary = AttachmentData(
        message_file_name(submission, media_type), media_type, hashlib.sha256(content).hexdigest(), content
    )
    envelope = {
        "service": submission.service,
        "municipality": submission.municipality,
        "inbound": dict(_inbound(submission)),
    }
    return replace(submission, envelope=envelope, attachments=(primary, *submission.attachments))


def received_frame(frame: dict[str, Any], submission: SubmissionData) -> dict[str, Any]:
    """The xdomea frame of a wrapped message: subject, document types and the provenance fields."""
    inbound = _inbound(submission)
    standard, kind = inbound.get("standard"), inbound.get("messageType")
    documents = [
        {**document, "type": MESSAGE_TYPE if index == 0 else ATTACHMENT_TYPE}
        for index, document in enumerate(frame.get("documents") or [])
    ]
    fields = [{"name": name, "value": str(inbound[key])} for name, key in _FIELDS if inbound.get(key)]
    return {
        **frame,
        "subject": " ".join(["Eingang", *(str(part) for part in (standard, kind) if part)]),
        "documents": documents,
        "formKennung": KENNUNG,
        "formDescription": DESCRIPTION,
        "formFields": fields,
    }
