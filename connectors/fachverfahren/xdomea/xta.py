"""xdomea over XTA 2: an ``xoev-xta`` destination with xdomea's defaults, the files as XTA attachments.

The message body is the xdomea XML (:mod:`.message`); each attachment travels in the XTA transport
container under the name the message's ``Primaerdokument/Dateiname`` gives it (not the portal's
file name), so the DMS finds every document the message names. Defaults, each overridable in the
destination's ``settings`` (see :mod:`connectors.xoev.settings`)::

    service / payloadSchema: urn:xoev-de:xdomea:schema:3.1.0
    businessScenario: XDOMEA_DATA (urn:de:dataport:codeliste:business.scenario 1; UNVERIFIED offline)
    messageType: 0605 FVDaten.SGOAblegen.0605 (urn:xoev-de:xdomea:codeliste:nachrichtentyp 2.0)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from connectors.fachverfahren.xdomea import settings
from connectors.fachverfahren.xdomea.container import ContainerMismatch, Manifest, check_files
from connectors.fachverfahren.xdomea.message import MANIFEST_HEADER, NAMESPACE, STANDARD, build_message, manifest_for
from connectors.xoev.connector import XtaConnector
from hub.connectors.base import Destination, OutboundMessage, Receipt, SubmissionData
from hub.errors import PermanentError

MESSAGE_NAME = "FVDaten.SGOAblegen.0605"

DEFAULTS: dict[str, Any] = {
    "service": NAMESPACE,
    "payloadSchema": NAMESPACE,
    "businessScenario": {
        "code": "XDOMEA_DATA",
        "listUri": "urn:de:dataport:codeliste:business.scenario",
        "listVersion": "1",
    },
    "messageType": {
        "code": "0605",
        "listUri": "urn:xoev-de:xdomea:codeliste:nachrichtentyp",
        "listVersion": "2.0",
        "name": MESSAGE_NAME,
    },
    "subject": "xdomea {service} {submissionId} (Hub-Nachricht {messageId})",
}


class XdomeaXtaConnector(XtaConnector):
    name = settings.CONNECTOR
    default_settings = DEFAULTS
    default_standard = STANDARD

    def _build_from_spec(self, submission: SubmissionData, message_id: str, destination: Destination) -> bytes:
        config = self.config
        if config.xoev_author is None or config.xoev_reader is None:
            raise self._fail("needs 'author' and 'reader' as Behördenkennung {prefix, code, name} for the xdomea Kopf")
        document = self.document_builder(submission.service)
        options = settings.options(self.destination)
        body, _ = build_message(document, submission, message_id, config.xoev_author, config.xoev_reader, options)
        return body

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        message = super().build(submission, message_id)
        manifest = manifest_for(submission, message_id, MESSAGE_NAME, settings.options(self.destination))
        return replace(message, headers={**message.headers, MANIFEST_HEADER: manifest.encode()})

    def pass_on(self, submission: SubmissionData, message_id: str, content: bytes, media_type: str) -> OutboundMessage:
        """Refused: over XTA the wrapped message would need the received message as an XTA attachment,
        which the stored case does not hold (its files are the received attachments). Use ``transport: http``."""
        raise self._fail("wraps a received message as xdomea over transport http only, not xta")

    def send(self, message: OutboundMessage) -> Receipt:
        manifest = Manifest.decode(message.headers[MANIFEST_HEADER])
        try:
            check_files(manifest, message.attachments)
        except ContainerMismatch as exc:
            raise PermanentError(f"cannot send the xdomea message's files: {exc}") from exc
        named = tuple(
            replace(stored, file_name=expected.name)
            for expected, stored in zip(manifest.files, message.attachments, strict=True)
        )
        return super().send(replace(message, attachments=named))
