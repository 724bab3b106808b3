"""The ``sozialplattform`` connector: a mapped application as an encrypted FIT-Connect submission.

Destination settings::

    tokenUrl: https://auth.example/token            # OAuth 2 client credentials
    clientId: emscher-lippe-hub
    clientSecretEnv: HUB_FITCONNECT_CLIENT_SECRET   # the secret's environment variable, read when needed
    routingUrl: https://routing.example             # Routing API (GET /routes)
    submissionUrl: https://submission.example       # Submission API (/v1/...)
    trustAnchorsFile: fit-connect-roots.pem         # roots the destinations' key chains must lead to
    ars: "055620014014"                             # the body's Amtlicher Regionalschlüssel
    leikaKeys: {wohngeld-antrag: "99…"}             # LeiKa key per service, for routing and serviceType
    acceptWithinSeconds: 604800                     # flag a submission not accepted by then
    callbackSecretEnv: HUB_FITCONNECT_CALLBACK_SECRET   # HMAC secret of the platform's callbacks

At intake ``build`` maps the envelope to the service's data (mapping spec of standard
``fit-connect-json``), validates it against the hub's published data schema, fixes the
attachment ids and checks the metadata document against the official metadata 2.1.0 schema.
``send`` routes, checks the destination's key, encrypts and submits; the receipt says the
submission awaits acceptance, which :meth:`poll_outcome` reads from the case's event log.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from connectors.fitconnect import (
    AnnouncedAttachment,
    ClientCredentials,
    FitConnectSender,
    Parcel,
    RouteLookup,
    SubmissionApi,
    TokenSource,
    load_trust_anchors,
    metadata_document,
    metadata_problems,
    outcome_of,
)
from hub.connectors.base import Connector, OutboundMessage, Receipt, SubmissionData
from hub.connectors.http import client_for
from hub.domain.outcome import Outcome
from hub.errors import ConfigError, FieldProblem, MappingError, PermanentError
from hub.mapping import pointer
from hub.mapping.data_schemas import data_schema
from hub.mapping.engine import apply_spec
from hub.mapping.provenance import source_pointer

STANDARD = "fit-connect-json"
MEDIA_TYPE = "application/vnd.emscher-lippe-hub.fit-connect-parcel+json"
_ATTACHMENT_IDS = uuid.UUID("5b0c3f0e-7f5e-4d4a-9d43-6a1f0c3c9e21")


class SozialplattformConnector(Connector):
    name = "sozialplattform"
    sends_attachments = True
    # token, route, destination, key, announce, submit (+ one per attachment, covered by the lease margin)
    requests_per_send = 8

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._sender: FitConnectSender | None = None

    # -- intake ------------------------------------------------------------------------------

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        spec = self.context.mappings.get(submission.service, self.destination.standard or STANDARD)
        schema = data_schema(spec)
        data = apply_spec(spec, dict(submission.envelope))
        problems = [
            # Named at the payload field the spec maps there; the place in the data is the location.
            FieldProblem(
                source_pointer(spec, pointer.parse(at)), message, rule=f"json-schema:{schema.uri}", location=at or "/"
            )
            for at, message in schema.problems(data)
        ]
        if problems:
            raise MappingError("the application does not fit the Sozialplattform's data schema", problems)
        leika_key = self._leika_key(submission.service)
        data_bytes = orjson.dumps(data)
        attachments = [
            AnnouncedAttachment(
                str(uuid.uuid5(_ATTACHMENT_IDS, f"{message_id}/{n}")), a.file_name, a.media_type, a.content
            )
            for n, a in enumerate(submission.attachments)
        ]
        reference = str(submission.envelope.get("portalReference") or submission.id)
        metadata = metadata_document(
            data=data_bytes, data_schema_uri=schema.uri, attachments=attachments, sender_reference=reference
        )
        broken = metadata_problems(self.context.schemas, metadata)
        if broken:
            raise MappingError(
                "the application's metadata does not fit FIT-Connect metadata 2.1.0",
                [FieldProblem("/attachments", p, rule="json-schema:fit-connect-metadata-2.1.0") for p in broken],
            )
        parcel = {
            "leikaKey": leika_key,
            "serviceName": str(spec.extra.get("serviceName") or submission.service),
            "ars": str(self.destination.setting("ars")),
            "dataSchemaUri": schema.uri,
            "data": data_bytes.decode(),
            "senderReference": reference,
            "attachments": [
                {
                    "attachmentId": a.attachment_id,
                    "fileName": a.file_name,
                    "mediaType": a.media_type,
                    "sha256": hashlib.sha256(a.content).hexdigest(),
                }
                for a in attachments
            ],
        }
        return OutboundMessage(message_id=message_id, media_type=MEDIA_TYPE, body=orjson.dumps(parcel))

    def _leika_key(self, service: str) -> str:
        keys = self.destination.settings.get("leikaKeys") or {}
        key = keys.get(service) if isinstance(keys, Mapping) else None
        if not key:
            raise ConfigError(f"destination {self.destination.id}: no leikaKeys entry for {service!r}")
        return str(key)

    # -- delivery ----------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> Receipt:
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
        submitted = self.sender.send(
            Parcel(
                leika_key=parcel["leikaKey"],
                service_name=parcel["serviceName"],
                ars=parcel["ars"],
                data=parcel["data"].encode(),
                data_schema_uri=parcel["dataSchemaUri"],
                attachments=attachments,
                sender_reference=parcel.get("senderReference"),
            )
        )
        return Receipt(
            reference=submitted.submission_id,
            status_code=202,
            detail={"awaitingAcceptance": True, "fitConnect": submitted.as_receipt()},
        )

    def poll_outcome(self, receipt: Mapping[str, Any]) -> Outcome | None:
        ids = receipt.get("fitConnect")
        if not isinstance(ids, Mapping):
            return None
        api = self.sender.api
        tokens = api.events(str(ids["caseId"]))
        return outcome_of(tokens, api.platform_jwks(), str(ids["submissionId"]), str(ids["caseId"]))

    # -- wiring ------------------------------------------------------------------------------

    @property
    def sender(self) -> FitConnectSender:
        with self._lock:
            if self._sender is None:
                self._client = client_for(self.destination)
                s = self.destination.settings
                credentials = ClientCredentials(
                    token_url=str(self.destination.setting("tokenUrl")),
                    client_id=str(self.destination.setting("clientId")),
                    secret_env=str(self.destination.setting("clientSecretEnv")),
                    scope=s.get("scope"),
                )
                tokens = TokenSource(credentials, self._client)
                self._sender = FitConnectSender(
                    RouteLookup(str(self.destination.setting("routingUrl")), self._client),
                    SubmissionApi(str(self.destination.setting("submissionUrl")), self._client, tokens),
                    load_trust_anchors(str(self.destination.setting("trustAnchorsFile"))),
                    self.context.schemas,
                )
            return self._sender

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None
            self._sender = None
