"""The primary documents of an xdomea message: one per attachment, with its id, container name and format.

xdomea names every file beside the message by ``Primaerdokument/Dateiname``, which its type
``stringDateinameType`` requires to start with a UUID (``<uuid>_<name>``, as in the official samples).
The hub derives that UUID from the submission id and the attachment's position (UUID version 5), so
the same submission always yields the same names, the XML and the container agree by construction,
and two files posted under the same name never collide in the container. The portal's own file name
travels as ``DateinameOriginal``; the container name keeps a sanitised copy of it for people who open
the ZIP by hand.

The format: xdomea's code list ``urn:xoev-de:xdomea:codeliste:dateiformat`` is not available offline,
so every file is described as ``100`` ("Sonstiges", explicitly allowed by the XSD's hint) with its
MIME type as ``SonstigerName``, unless the destination's ``formatCodes`` setting maps the MIME type
to a code the receiving DMS expects. The format version is read from the file where the format
says it (PDF's ``%PDF-x.y`` header), else ``unbekannt``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.connectors.base import AttachmentData

# Fixed namespace of the hub's derived xdomea document ids; never change it, or re-mapped
# submissions get new ids and new container names.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hub.emscher-lippe.example/xdomea/dokument")

OTHER_FORMAT = "100"
"""``Sonstiges`` in the xdomea Dateiformat list: the format is named in ``SonstigerName``."""
FORMAT_LIST_VERSION = "1.0"
"""listVersionID of the Dateiformat code list, as in the official xdomea samples."""
UNKNOWN_VERSION = "unbekannt"
ATTACHMENT_TYPE = "Anlage zum Antrag"
"""The Dokument's ``Typ`` of a file that came with an application."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PDF_VERSION = re.compile(rb"^%PDF-(\d\.\d)")
MAX_NAME_CHARS = 120


@dataclass(frozen=True, slots=True)
class PrimaryDocument:
    """One attachment as the xdomea message describes it and the container carries it."""

    index: int
    id: str
    container_name: str
    original_name: str
    media_type: str
    sha256: str
    size: int
    format_code: str
    format_name: str | None
    format_version: str

    def as_dict(self) -> dict[str, object]:
        """The form the mapping spec reads (``/hub/documents/N``)."""
        out: dict[str, object] = {
            "id": self.id,
            "fileName": self.container_name,
            "originalName": self.original_name,
            "mediaType": self.media_type,
            "sha256": self.sha256,
            "size": self.size,
            "formatCode": self.format_code,
            "formatVersion": self.format_version,
            "type": ATTACHMENT_TYPE,
            "checks": [{"name": "sha256", "value": self.sha256}, {"name": "size", "value": str(self.size)}],
        }
        if self.format_name is not None:
            out["formatName"] = self.format_name
        return out


def document_id(submission_id: str, index: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{submission_id}/{index}"))


def container_name(doc_id: str, original: str) -> str:
    """``<uuid>_<sanitised original name>``: safe in any ZIP tool and file system, never a path."""
    safe = _UNSAFE.sub("_", original).strip("._") or "datei"
    if len(safe) > MAX_NAME_CHARS:
        _, dot, suffix = safe.rpartition(".")
        keep = suffix if dot and len(suffix) <= 10 else ""
        safe = safe[: MAX_NAME_CHARS - len(keep) - 1].rstrip("._") + ("." + keep if keep else "")
    return f"{doc_id}_{safe}"


def format_version(media_type: str, content: bytes) -> str:
    if media_type == "application/pdf":
        found = _PDF_VERSION.match(content[:16])
        if found:
            return found.group(1).decode()
    return UNKNOWN_VERSION


def primary_documents(
    submission_id: str, attachments: Sequence[AttachmentData], format_codes: Mapping[str, str] | None = None
) -> tuple[PrimaryDocument, ...]:
    """The documents of a submission's attachments, in their posted order."""
    codes = format_codes or {}
    out = []
    for index, a in enumerate(attachments):
        doc_id = document_id(submission_id, index)
        code = codes.get(a.media_type, OTHER_FORMAT)
        out.append(
            PrimaryDocument(
                index=index,
                id=doc_id,
                container_name=container_name(doc_id, a.file_name),
                original_name=a.file_name,
                media_type=a.media_type,
                sha256=a.sha256,
                size=len(a.content),
                format_code=code,
                format_name=a.media_type if code == OTHER_FORMAT else None,
                format_version=format_version(a.media_type, a.content),
            )
        )
    return tuple(out)
