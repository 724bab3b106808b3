"""The ``hub`` object of an xdomea message: the XÖV frame plus what the xdomea spec reads beside the envelope.

On top of :func:`connectors.xoev.frame.message_frame` (message id, submission id, creation time,
author and reader) the xdomea spec (``mappings/any.xdomea-3.1.0.yaml``, see its header for the
contract) reads the service, a subject line, the applicant's channels, the primary documents
(:mod:`.documents`) and the form as generic fields (:mod:`.form_fields`). Everything is derived from
the submission alone, so mapping the same submission again yields the same message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.fachverfahren.xdomea.documents import PrimaryDocument
from connectors.fachverfahren.xdomea.form_fields import form_fields
from connectors.xoev.frame import Authority, message_frame
from hub.connectors.base import SubmissionData

EMAIL_CHANNEL = "001"
PHONE_CHANNEL = "002"
FORM_KENNUNG = "urn:x-emscher-lippe-hub:formular:{service}"
FORM_DESCRIPTION = "Formulardaten des Antrags: Name = JSON-Pointer des Feldes im Antrag, Wert = sein Inhalt"


def applicant_name(applicant: Mapping[str, Any]) -> str:
    if applicant.get("kind") == "organisation":
        return str(applicant.get("organisationName") or "")
    return " ".join(str(applicant[k]) for k in ("givenName", "familyName") if applicant.get(k))


def channels(applicant: Mapping[str, Any]) -> list[dict[str, str]]:
    found = [(EMAIL_CHANNEL, applicant.get("email")), (PHONE_CHANNEL, applicant.get("phone"))]
    return [{"code": code, "address": str(address)} for code, address in found if address]


def xdomea_frame(
    submission: SubmissionData,
    message_id: str,
    author: Authority,
    reader: Authority,
    documents: Sequence[PrimaryDocument],
    ablageort: str | None = None,
) -> dict[str, Any]:
    envelope = submission.envelope
    applicant = envelope.get("applicant")
    applicant = applicant if isinstance(applicant, Mapping) else {}
    name = applicant_name(applicant)
    frame = message_frame(submission, message_id, author, reader)
    frame.update(
        service=submission.service,
        receivedDate=submission.received_at.date().isoformat(),
        subject=f"{submission.service}: {name}" if name else submission.service,
        channels=channels(applicant),
        documents=[d.as_dict() for d in documents],
        formKennung=FORM_KENNUNG.format(service=submission.service),
        formDescription=FORM_DESCRIPTION,
        formFields=form_fields(envelope.get("form")),
    )
    if ablageort:
        frame["ablageort"] = ablageort
    return frame
