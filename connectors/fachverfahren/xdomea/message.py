"""Building one xdomea message at intake: the frame, the spec, the XSD, and the container manifest.

Both transports store the same thing: the validated xdomea XML as the body and, in the header
:data:`MANIFEST_HEADER`, the :class:`~.container.Manifest` naming the files that belong beside it.
Problems with the submission's data are a :class:`~hub.errors.MappingError` naming the payload's JSON
pointers (422 at intake), exactly as for every other XÖV target.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from connectors.fachverfahren.xdomea.container import ContainerFile, Manifest, message_file_name
from connectors.fachverfahren.xdomea.documents import primary_documents
from connectors.fachverfahren.xdomea.frame import EMAIL_CHANNEL, PHONE_CHANNEL, xdomea_frame
from connectors.fachverfahren.xdomea.received import received_frame
from connectors.fachverfahren.xdomea.settings import XdomeaOptions
from connectors.xoev.frame import Authority, with_frame
from hub.connectors.base import SubmissionData
from hub.connectors.xml_target import XmlTargetBuilder
from hub.errors import MappingError

STANDARD = "xdomea-3.1.0"
NAMESPACE = "urn:xoev-de:xdomea:schema:3.1.0"
MANIFEST_HEADER = "X-Xdomea-Container"


def build_message(
    document: XmlTargetBuilder,
    submission: SubmissionData,
    message_id: str,
    author: Authority,
    reader: Authority,
    options: XdomeaOptions,
    *,
    received: bool = False,
) -> tuple[bytes, Manifest]:
    """The message XML and what its container holds.

    ``received``: ``submission`` is a received message wrapped by :func:`.received.wrapped_submission`.
    """
    documents = primary_documents(submission.id, submission.attachments, options.format_codes)
    frame = xdomea_frame(submission, message_id, author, reader, documents, options.ablageort)
    if received:
        frame = received_frame(frame, submission)
    try:
        body = document.build(with_frame(submission, frame))
    except MappingError as exc:
        problems = [replace(p, pointer=payload_pointer(p.pointer, frame)) for p in exc.problems]
        raise MappingError(str(exc), problems) from exc
    return body, manifest_for(submission, message_id, document.spec.root.rpartition(":")[2], options)


def payload_pointer(pointer: str, frame: dict[str, Any]) -> str:
    """Where in the portal's payload a value the frame derived came from (the portal knows no ``/hub``).

    A form field's value (``/hub/formFields/3/value``) is the form's own field; the subject line is
    made from the applicant's name; a channel is the applicant's e-mail or phone.
    """
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "hub" and parts[2] == "formFields" and parts[3].isdigit():
        fields = frame.get("formFields") or []
        index = int(parts[3])
        return str(fields[index]["name"]) if index < len(fields) else "/form"
    if len(parts) >= 4 and parts[1] == "hub" and parts[2] == "channels" and parts[3].isdigit():
        channels = frame.get("channels") or []
        index = int(parts[3])
        code = channels[index]["code"] if index < len(channels) else None
        return {EMAIL_CHANNEL: "/applicant/email", PHONE_CHANNEL: "/applicant/phone"}.get(code or "", "/applicant")
    if pointer == "/hub/subject":
        return "/applicant"
    return pointer


def manifest_for(submission: SubmissionData, message_id: str, message_name: str, options: XdomeaOptions) -> Manifest:
    """What the container of this submission's message holds (the same names the message gives its files)."""
    documents = primary_documents(submission.id, submission.attachments, options.format_codes)
    return Manifest(
        message=message_file_name(message_id, message_name),
        created=submission.received_at.isoformat(timespec="seconds"),
        files=tuple(ContainerFile(d.container_name, d.sha256) for d in documents),
    )
