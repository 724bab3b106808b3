"""Opening a fetched FIT-Connect submission: decrypt with the destination's key by ``kid``, then check.

The checks a subscriber owes the sender, in order: each part decrypts (JWE RSA-OAEP-256 + A256GCM,
with a key the destination holds); the metadata is JSON and valid against the schema its
``$schema`` names (the catalog's ``fit-connect-metadata-<version>``); the attachments the metadata
lists are the ones the submission carries; the SHA-512 hashes of data and attachments match; JSON
data parses. A part encrypted for a ``kid`` the hub holds no key for is :class:`KeyMissing` (our
configuration, not the sender's fault: nothing is answered). A failure is :class:`Rejected` with
the FIT-Connect problem that fits (its ``type`` under :data:`PROBLEMS`, ``instance`` naming the
part): the sender learns it from the ``reject-submission`` event. Problems name parts and schema
paths, never content.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry, decrypt_compact
from joserfc.jwk import RSAKey

from hub.connectors.schemas import SchemaCatalog, SchemaNotInstalled

PROBLEMS = "https://schema.fitko.de/fit-connect/events/problems/"
METADATA_URI = re.compile(r"^https://schema\.fitko\.de/fit-connect/metadata/(\d+\.\d+\.\d+)/metadata\.schema\.json$")
REGISTRY = JWERegistry(algorithms=["RSA-OAEP-256", "A256GCM"])


@dataclass(frozen=True)
class Problem:
    kind: str
    title: str
    detail: str
    instance: str

    def as_json(self) -> dict[str, str]:
        return {"type": PROBLEMS + self.kind, "title": self.title, "detail": self.detail, "instance": self.instance}


class KeyMissing(Exception):
    """Encrypted for a ``kid`` this hub holds no key for: most likely a rotation whose new key is not
    configured yet. Not a reason to reject (that cannot be undone): the submission stays waiting."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"no decryption key for kid {kid!r}")
        self.kid = kid


class Rejected(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.kind} ({problem.instance}): {problem.detail}")
        self.problem = problem


@dataclass(frozen=True)
class FetchedSubmission:
    submission_id: str
    case_id: str
    destination_id: str
    service: Mapping[str, Any]
    encrypted_metadata: str
    encrypted_data: str | None
    encrypted_attachments: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenedAttachment:
    attachment_id: str
    content: bytes
    media_type: str
    file_name: str | None


@dataclass(frozen=True)
class Opened:
    metadata: dict[str, Any]
    metadata_bytes: bytes
    metadata_version: str
    data: bytes
    data_media_type: str
    data_schema: str | None
    attachments: tuple[OpenedAttachment, ...]
    authentication_tags: dict[str, Any]
    """What ``accept-submission`` carries: the JWE authentication tags of metadata, data, attachments."""


def open_submission(fetched: FetchedSubmission, keys: Mapping[str, RSAKey], catalog: SchemaCatalog | None) -> Opened:
    metadata_bytes = _decrypt(fetched.encrypted_metadata, keys, "metadata")
    metadata, version = _checked_metadata(metadata_bytes, catalog)
    structure = metadata.get("contentStructure") or {}
    described = structure.get("data")
    if fetched.encrypted_data is None or not isinstance(described, dict):
        raise Rejected(Problem("missing-data", "Fachdaten fehlen", "no data, or none described", "data"))
    data = _decrypt(fetched.encrypted_data, keys, "data")
    _check_hash(described, data, "data")
    media_type = str((described.get("submissionSchema") or {}).get("mimeType") or "application/json")
    if media_type == "application/json":
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise Rejected(Problem("syntax-violation", "Syntax-Fehler", "data is not JSON", "data")) from exc
    attachments = _attachments(structure.get("attachments") or [], fetched.encrypted_attachments, keys)
    tags: dict[str, Any] = {"metadata": _tag(fetched.encrypted_metadata), "data": _tag(fetched.encrypted_data)}
    if fetched.encrypted_attachments:
        tags["attachments"] = {a: _tag(jwe) for a, jwe in fetched.encrypted_attachments.items()}
    return Opened(
        metadata=metadata,
        metadata_bytes=metadata_bytes,
        metadata_version=version,
        data=data,
        data_media_type=media_type,
        data_schema=(described.get("submissionSchema") or {}).get("schemaUri"),
        attachments=attachments,
        authentication_tags=tags,
    )


def _tag(jwe: str) -> str:
    return jwe.rsplit(".", 1)[-1]


def _decrypt(jwe: str, keys: Mapping[str, RSAKey], instance: str) -> bytes:
    try:
        encoded = jwe.split(".", 1)[0]
        protected = orjson.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        kid = protected.get("kid") if isinstance(protected, dict) else None
    except (ValueError, orjson.JSONDecodeError):
        kid = None
    if not kid:
        detail = "no readable JWE header with a kid"
        raise Rejected(Problem("encryption-issue", "Entschlüsselungs-Fehler", detail, instance))
    key = keys.get(str(kid))
    if key is None:
        raise KeyMissing(str(kid))
    try:
        return decrypt_compact(jwe, key, registry=REGISTRY).plaintext or b""
    except (JoseError, ValueError, TypeError) as exc:
        detail = f"does not decrypt: {type(exc).__name__}"
        raise Rejected(Problem("encryption-issue", "Entschlüsselungs-Fehler", detail, instance)) from exc


def _checked_metadata(raw: bytes, catalog: SchemaCatalog | None) -> tuple[dict[str, Any], str]:
    try:
        metadata = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Rejected(Problem("syntax-violation", "Syntax-Fehler", "metadata is not JSON", "metadata")) from exc
    if not isinstance(metadata, dict):
        raise Rejected(Problem("syntax-violation", "Syntax-Fehler", "metadata is not a JSON object", "metadata"))
    uri = metadata.get("$schema")
    if not isinstance(uri, str):
        raise Rejected(Problem("missing-schema", "Schema-Referenz fehlt", "metadata names no $schema", "metadata"))
    found = METADATA_URI.match(uri)
    if found is None or catalog is None:
        raise Rejected(Problem("unsupported-schema", "Schema nicht unterstützt", f"{uri} is not known", "metadata"))
    try:
        validator = catalog.validator(f"fit-connect-metadata-{found.group(1)}")
    except SchemaNotInstalled as exc:
        raise Rejected(
            Problem("unsupported-schema", "Schema nicht unterstützt", f"{uri} is not known", "metadata")
        ) from exc
    problems = [str(p) for p in validator.validate(metadata)]
    if problems:
        detail = "; ".join(problems[:3])
        raise Rejected(Problem("schema-violation", "Schema-Fehler", detail, "metadata"))
    return metadata, found.group(1)


def _check_hash(described: Mapping[str, Any], content: bytes, instance: str) -> None:
    declared = (described.get("hash") or {}).get("content")
    if declared != hashlib.sha512(content).hexdigest():
        raise Rejected(
            Problem("hash-mismatch", "Prüfsumme stimmt nicht", "SHA-512 differs from the metadata's", instance)
        )


def _attachments(
    described: Sequence[Any], encrypted: Mapping[str, str], keys: Mapping[str, RSAKey]
) -> tuple[OpenedAttachment, ...]:
    listed = {str(a.get("attachmentId")): a for a in described if isinstance(a, dict)}
    if set(listed) != set(encrypted):
        detail = f"metadata lists {len(listed)} attachments, the submission carries {len(encrypted)}"
        raise Rejected(Problem("attachments-mismatch", "Anlagen stimmen nicht überein", detail, "metadata"))
    opened = []
    for attachment_id, jwe in encrypted.items():
        instance = f"attachment:{attachment_id}"
        content = _decrypt(jwe, keys, instance)
        entry = listed[attachment_id]
        _check_hash(entry, content, instance)
        opened.append(OpenedAttachment(attachment_id, content, str(entry.get("mimeType")), entry.get("filename")))
    return tuple(opened)
