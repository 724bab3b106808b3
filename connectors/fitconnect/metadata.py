"""The submission's metadata document (FIT-Connect metadata 2.1.0), checked against the official schema.

The metadata describes the content: the data's schema and its SHA-512 hash, and each
attachment with its id, purpose, media type and hash. The platform's subscriber recomputes the
hashes after decrypting, so data or an attachment swapped in transit is detected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.connectors.product import PRODUCT_NAME, PRODUCT_VERSION
from hub.connectors.schemas import SchemaCatalog
from hub.errors import ConfigError

SCHEMA_SET = "fit-connect-metadata-2.1.0"
MANUFACTURER = "Kreis Recklinghausen / Emscher-Lippe IT"
SCHEMA_URI = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json"


def sha512_hex(content: bytes) -> str:
    return hashlib.sha512(content).hexdigest()


@dataclass(frozen=True)
class AnnouncedAttachment:
    attachment_id: str
    file_name: str
    media_type: str
    content: bytes
    purpose: str = "attachment"


def metadata_document(
    *,
    data: bytes,
    data_schema_uri: str,
    attachments: Sequence[AnnouncedAttachment],
    sender_reference: str | None = None,
    author: str = "Integrationshub Emscher-Lippe",
    product: str = PRODUCT_NAME,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "$schema": SCHEMA_URI,
        "contentStructure": {
            "data": {
                "hash": {"type": "sha512", "content": sha512_hex(data)},
                "submissionSchema": {"schemaUri": data_schema_uri, "mimeType": "application/json"},
            },
            "attachments": [
                {
                    "hash": {"type": "sha512", "content": sha512_hex(a.content)},
                    "purpose": a.purpose,
                    "filename": a.file_name,
                    "mimeType": a.media_type,
                    "attachmentId": a.attachment_id,
                }
                for a in attachments
            ],
        },
        "author": {
            "name": author,
            "product": {"name": product, "version": PRODUCT_VERSION, "manufacturer": MANUFACTURER},
        },
    }
    if sender_reference:
        document["additionalReferenceInfo"] = {"senderReference": sender_reference}
    return document


def metadata_problems(catalog: SchemaCatalog | None, document: Any) -> list[str]:
    """Problems of ``document`` against the official metadata schema of the catalog (empty: valid)."""
    if catalog is None:
        raise ConfigError(f"FIT-Connect needs the schema set {SCHEMA_SET} (HUB_SCHEMA_PATH is not set)")
    return [str(p) for p in catalog.validator(SCHEMA_SET).validate(document)]
