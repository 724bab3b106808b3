"""One FIT-Connect send: route (its signature checked), check the destination and its key, announce,
upload, submit.

:class:`Parcel` is what the hub stored at intake (the exact data bytes, attachment ids chosen
then, the service's LeiKa key and the area's ARS); :meth:`FitConnectSender.send` turns it into
a submitted FIT-Connect submission and returns its ids for the receipt. Plaintext never leaves
this process unencrypted and is never logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from cryptography import x509

from connectors.fitconnect.jose import encrypt
from connectors.fitconnect.keys import checked_encryption_key
from connectors.fitconnect.metadata import AnnouncedAttachment, metadata_document, metadata_problems
from connectors.fitconnect.route_signature import check_route_signature
from connectors.fitconnect.routing import RouteLookup
from connectors.fitconnect.submission_api import SubmissionApi
from hub.connectors.schemas import SchemaCatalog
from hub.errors import PermanentError, TransientError

log = structlog.get_logger(__name__)

LEIKA_URN = "urn:de:fim:leika:leistung:"


@dataclass(frozen=True)
class Parcel:
    leika_key: str
    service_name: str
    ars: str
    data: bytes
    data_schema_uri: str
    attachments: Sequence[AnnouncedAttachment]
    sender_reference: str | None = None


@dataclass(frozen=True)
class Submitted:
    destination_id: str
    submission_id: str
    case_id: str

    def as_receipt(self) -> dict[str, Any]:
        return {
            "destinationId": self.destination_id,
            "submissionId": self.submission_id,
            "caseId": self.case_id,
        }


class FitConnectSender:
    def __init__(
        self,
        routes: RouteLookup,
        api: SubmissionApi,
        trust_anchors: Sequence[x509.Certificate],
        schemas: SchemaCatalog | None,
    ) -> None:
        self.routes = routes
        self.api = api
        self.trust_anchors = trust_anchors
        self.schemas = schemas

    def send(self, parcel: Parcel) -> Submitted:
        routed = self.routes.destination(parcel.leika_key, parcel.ars)
        check_route_signature(
            routed.signature,
            self.api.platform_jwks(),
            destination_id=routed.destination_id,
            leika_key=parcel.leika_key,
            ars=parcel.ars,
        )
        info = self.api.destination(routed.destination_id)
        if info.status != "active":
            raise TransientError(f"FIT-Connect destination {info.destination_id} is {info.status}, not active")
        key = checked_encryption_key(self.api.key(info.destination_id, info.encryption_kid), self.trust_anchors)
        metadata = metadata_document(
            data=parcel.data,
            data_schema_uri=parcel.data_schema_uri,
            attachments=parcel.attachments,
            sender_reference=parcel.sender_reference,
        )
        problems = metadata_problems(self.schemas, metadata)
        if problems:
            raise PermanentError(f"metadata does not fit metadata 2.1.0: {'; '.join(problems)}")
        service = {"name": parcel.service_name, "identifier": LEIKA_URN + parcel.leika_key}
        announced = self.api.announce(info.destination_id, service, [a.attachment_id for a in parcel.attachments])
        for attachment in parcel.attachments:
            jwe = encrypt(attachment.content, key, attachment.media_type)
            self.api.upload_attachment(announced.submission_id, attachment.attachment_id, jwe)
        self.api.submit(
            announced.submission_id,
            encrypt(orjson.dumps(metadata), key, "application/json"),
            encrypt(parcel.data, key, "application/json"),
        )
        log.info(
            "fitconnect_submitted",
            destination_id=info.destination_id,
            submission_id=announced.submission_id,
            case_id=announced.case_id,
            attachments=len(parcel.attachments),
        )
        return Submitted(info.destination_id, announced.submission_id, announced.case_id)
