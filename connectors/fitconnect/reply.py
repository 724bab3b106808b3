"""The ``fitconnect-reply`` connector: a reply to a FIT-Connect case through the reply channel the
sender offered (``replyChannel.fitConnect`` in the submission's metadata; docs/replies.md).

Its destination is derived from the subscriber source the case came through
(``reply-fit-connect:<source id>``): the same token endpoint, client and Submission API.

Built once, when the reply is posted: the reply data (JSON, schema :data:`REPLY_SCHEMA`: status,
text, the documents' names and ids), the metadata (FIT-Connect metadata 2.1.0, checked against the
catalog's schema, with each part's SHA-512) and every document are encrypted as JWE (RSA-OAEP-256,
A256GCM) to the key the sender offered, and only the ciphertexts are stored. Every attempt
announces, uploads and submits those same ciphertexts (:mod:`connectors.fitconnect.reply_api`).
An attempt that fails after announcing leaves that announced reply incomplete at the platform (it
expires there); the retry announces a new one.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import orjson
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from connectors.fitconnect.jose import encrypt
from connectors.fitconnect.oauth import ClientCredentials, TokenSource
from connectors.fitconnect.reply_api import ReplyApi
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.http_connector import HttpConnector
from hub.connectors.replies import ReplyMessage
from hub.connectors.schemas import SchemaNotInstalled
from hub.errors import ConfigError

MEDIA_TYPE = "application/vnd.emscher-lippe-hub.fit-connect-reply+json"
METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json"
METADATA_SET = "fit-connect-metadata-2.1.0"
REPLY_SCHEMA = "https://schema.emscher-lippe-hub.example/fit-connect/reply/1.0.0/reply.schema.json"
"""The hub's reply data format (its fields are those of the portal callback's reply, docs/replies.md)."""
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://hub.emscher-lippe.example/fit-connect/reply-attachment")


class FitConnectReplyConnector(HttpConnector):
    name = "fitconnect-reply"
    requests_per_send = 4  # token (cached), announce, each attachment, submit

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self._api = FirstUse(self._make_api)

    def _make_api(self) -> ReplyApi:
        settings = self.destination.settings
        try:
            credentials = ClientCredentials(
                str(settings["tokenUrl"]),
                str(settings["clientId"]),
                str(settings["clientSecretEnv"]),
                settings.get("scope"),
            )
            base = str(settings["submissionUrl"])
        except KeyError as exc:
            raise self._fail(f"settings lack {exc.args[0]!r}") from exc
        client: httpx.Client = self.client
        return ReplyApi(base, client, TokenSource(credentials, client))

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        raise self._fail("sends replies only (docs/replies.md), no submissions")

    def build_reply(self, reply: ReplyMessage) -> OutboundMessage:
        """The reply encrypted to the sender's key: what every attempt sends."""
        details = reply.way_back.details
        key = self._reply_key(dict(details["encryptionPublicKey"]))
        ids = [str(uuid.uuid5(_IDS, f"{reply.reply_id}/{n}")) for n in range(len(reply.draft.documents))]
        named = [{"attachmentId": i, "fileName": d.file_name} for i, d in zip(ids, reply.draft.documents, strict=True)]
        data = orjson.dumps(
            {
                "$schema": REPLY_SCHEMA,
                "replyId": reply.reply_id,
                "submissionId": details["submissionId"],
                "status": reply.draft.status.value,
                "text": reply.draft.text,
                "repliedAt": reply.replied_at.isoformat(),
                "documents": named,
            }
        )
        metadata = self._metadata(data, reply, ids)
        payload = {
            "submissionId": details["submissionId"],
            "caseId": details["caseId"],
            "encryptedMetadata": encrypt(orjson.dumps(metadata), key, "application/json"),
            "encryptedData": encrypt(data, key, "application/json"),
            "attachments": {
                i: encrypt(d.content, key, d.media_type) for i, d in zip(ids, reply.draft.documents, strict=True)
            },
        }
        headers = {"X-Hub-Message-Id": reply.message_id, "X-Fit-Connect-Submission-Id": str(details["submissionId"])}
        return OutboundMessage(reply.message_id, MEDIA_TYPE, orjson.dumps(payload), headers=headers)

    def _reply_key(self, jwk: dict[str, Any]) -> RSAKey:
        """The sender's public key for replies. Its x5c chain is not checked: the key came inside the
        sender's own submission, decrypted and hash-checked, fetched from the authenticated platform."""
        if "wrapKey" not in (jwk.get("key_ops") or []):
            raise self._fail("the sender's reply key is not for key wrapping (key_ops lacks wrapKey)")
        try:
            # joserfc checks key_ops by its own names ("encrypt"): import the bare key, its use was read above.
            return RSAKey.import_key({"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": jwk["kid"]})
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise self._fail(f"the sender's reply key cannot be used: {type(exc).__name__}") from exc

    def _metadata(self, data: bytes, reply: ReplyMessage, ids: list[str]) -> dict[str, Any]:
        metadata = {
            "$schema": METADATA_SCHEMA,
            "contentStructure": {
                "data": {
                    "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
                    "submissionSchema": {"schemaUri": REPLY_SCHEMA, "mimeType": "application/json"},
                },
                "attachments": [
                    {
                        "hash": {"type": "sha512", "content": hashlib.sha512(d.content).hexdigest()},
                        "purpose": "attachment",
                        "filename": d.file_name,
                        "mimeType": d.media_type,
                        "attachmentId": i,
                    }
                    for i, d in zip(ids, reply.draft.documents, strict=True)
                ],
            },
        }
        catalog = self.context.schemas
        if catalog is None:
            raise self._fail("cannot check reply metadata: no schema catalog (HUB_SCHEMA_PATH)")
        try:
            problems = catalog.validator(METADATA_SET).validate(metadata)
        except SchemaNotInstalled as exc:
            raise self._fail(f"cannot check reply metadata: {exc}") from exc
        if problems:
            raise self._fail(f"the reply metadata does not validate: {problems[0]}")
        return metadata

    def send(self, message: OutboundMessage) -> Receipt:
        stored = orjson.loads(message.body)
        api = self._api.get()
        attachments: dict[str, str] = stored["attachments"]
        announced = api.announce_reply(str(stored["submissionId"]), list(attachments))
        for attachment_id, jwe in attachments.items():
            api.upload_reply_attachment(announced.reply_id, attachment_id, jwe)
        api.submit_reply(announced.reply_id, stored["encryptedMetadata"], stored["encryptedData"])
        detail = {"replyId": announced.reply_id, "caseId": announced.case_id or stored["caseId"]}
        return Receipt(reference=announced.reply_id, status_code=None, detail=detail)

    def _fail(self, what: str) -> ConfigError:
        return ConfigError(f"destination {self.destination.id!r} ({self.name}): {what}")
