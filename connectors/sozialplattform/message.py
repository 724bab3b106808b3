"""What the ``sozialplattform`` connector stores at intake: the parcel every FIT-Connect send is made from.

``build`` maps the envelope to the service's data (mapping spec of standard ``fit-connect-json``),
validates it against the hub's published data schema, fixes the attachment ids (derived from the
message id, so every attempt announces the same ones) and checks the metadata document against the
official metadata 2.1.0 schema. Problems are a :class:`~hub.errors.MappingError`: the data's at the
payload fields the spec maps there, the metadata's at ``/attachments``.

The parcel (JSON, media type :data:`MEDIA_TYPE`) holds the exact data bytes, the LeiKa key, the ARS,
the data schema's URI, the sender reference (the portal's reference, else the submission id) and
each attachment's id, name, media type and SHA-256; the files themselves stay in the hub's store.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson

from connectors.fitconnect import AnnouncedAttachment, Parcel, metadata_document, metadata_problems
from connectors.sozialplattform import settings
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, SubmissionData
from hub.connectors.mapping import DataSchema, MappingSpec, apply_spec, data_schema, parse_pointer, source_pointer
from hub.errors import FieldProblem, MappingError, PermanentError

STANDARD = "fit-connect-json"
MEDIA_TYPE = "application/vnd.emscher-lippe-hub.fit-connect-parcel+json"
_ATTACHMENT_IDS = uuid.UUID("5b0c3f0e-7f5e-4d4a-9d43-6a1f0c3c9e21")


def build_parcel(
    context: ConnectorContext, destination: Destination, submission: SubmissionData, message_id: str
) -> OutboundMessage:
    spec = context.mappings.get(submission.service, destination.standard or STANDARD)
    schema = data_schema(spec)
    data = _checked_data(spec, schema, submission)
    leika_key = settings.leika_key(destination, submission)
    data_bytes = orjson.dumps(data)
    attachments = [
        AnnouncedAttachment(str(uuid.uuid5(_ATTACHMENT_IDS, f"{message_id}/{n}")), a.file_name, a.media_type, a.content)
        for n, a in enumerate(submission.attachments)
    ]
    reference = str(submission.envelope.get("portalReference") or submission.id)
    metadata = metadata_document(
        data=data_bytes, data_schema_uri=schema.uri, attachments=attachments, sender_reference=reference
    )
    broken = metadata_problems(context.schemas, metadata)
    if broken:
        raise MappingError(
            "the application's metadata does not fit FIT-Connect metadata 2.1.0",
            [FieldProblem("/attachments", p, rule="json-schema:fit-connect-metadata-2.1.0") for p in broken],
        )
    parcel = {
        "leikaKey": leika_key,
        "serviceName": str(spec.extra.get("serviceName") or submission.service),
        "ars": settings.area(destination),
        "dataSchemaUri": schema.uri,
        "data": data_bytes.decode(),
        "senderReference": reference,
        "attachments": [_announced(a) for a in attachments],
    }
    return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=orjson.dumps(parcel))


def _checked_data(spec: MappingSpec, schema: DataSchema, submission: SubmissionData) -> Any:
    data = apply_spec(spec, dict(submission.envelope))
    problems = [
        # Named at the payload field the spec maps there; the place in the data is the location.
        FieldProblem(
            source_pointer(spec, parse_pointer(at)), message, rule=f"json-schema:{schema.uri}", location=at or "/"
        )
        for at, message in schema.problems(data)
    ]
    if problems:
        raise MappingError("the application does not fit the Sozialplattform's data schema", problems)
    return data


def _announced(attachment: AnnouncedAttachment) -> dict[str, str]:
    return {
        "attachmentId": attachment.attachment_id,
        "fileName": attachment.file_name,
        "mediaType": attachment.media_type,
        "sha256": hashlib.sha256(attachment.content).hexdigest(),
    }


def stored_parcel(message: OutboundMessage) -> Parcel:
    """The parcel of a stored message with the stored files, each checked against the hash mapped at intake."""
    parcel = orjson.loads(message.body)
    files = list(message.attachments)
    announced = parcel["attachments"]
    if len(files) != len(announced):
        raise PermanentError(f"{len(announced)} attachments announced, {len(files)} stored")
    attachments = []
    for entry, file in zip(announced, files, strict=True):
        if hashlib.sha256(file.content).hexdigest() != entry["sha256"]:
            raise PermanentError(f"stored attachment {entry['fileName']!r} differs from the one mapped")
        attachments.append(
            AnnouncedAttachment(entry["attachmentId"], entry["fileName"], entry["mediaType"], file.content)
        )
    return Parcel(
        leika_key=parcel["leikaKey"],
        service_name=parcel["serviceName"],
        ars=parcel["ars"],
        data=parcel["data"].encode(),
        data_schema_uri=parcel["dataSchemaUri"],
        attachments=attachments,
        sender_reference=parcel.get("senderReference"),
    )
