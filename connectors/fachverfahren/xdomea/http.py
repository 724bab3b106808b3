"""xdomea over HTTP: the message and its files as one xdomea ZIP container, POSTed to the DMS.

``build`` (at intake) maps and validates the message (:mod:`.message`) and stores the XML with the
container's manifest. ``send`` (in a worker) builds the container from the stored XML and the
submission's stored files (:mod:`.container`: deterministic, so every attempt sends the same bytes)
and POSTs it with

* ``Idempotency-Key`` and ``X-Hub-Message-Id``: the message id (also the xdomea ``ProzessID``), by
  which the DMS discards a repeat after a lost answer;
* ``Content-Digest`` (RFC 9530, ``sha-256``) over the container, and ``Content-Disposition`` naming
  it ``<ProzessID>_FVDaten.SGOAblegen.0605.zip``;
* the destination's credentials (:mod:`hub.connectors.auth`).

A message the mailroom received (``pass_on``) is wrapped as xdomea (:mod:`.received`) and its
whole container built once and stored as the payload (media type ``application/zip``): ``send``
POSTs those bytes as they are.

Failures are classified like every HTTP delivery (:mod:`hub.connectors.http`): connect errors,
timeouts, 408/425/429 and 5xx are retried, other 4xx are dead with the DMS's reason; a 2xx that is
not JSON (a proxy's HTML page, truncated JSON) is retried too. The DMS's JSON answer names what it
filed: ``aktenzeichen`` (or ``id``) becomes the receipt's reference.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import httpx

from connectors.fachverfahren.xdomea import settings
from connectors.fachverfahren.xdomea.container import MEDIA_TYPE, ContainerMismatch, Manifest, build_container
from connectors.fachverfahren.xdomea.message import MANIFEST_HEADER, STANDARD, build_message
from connectors.fachverfahren.xdomea.received import wrapped_submission
from connectors.xoev.frame import Authority
from hub.connectors.auth import auth_headers
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.http import expect_json, raise_for_delivery
from hub.connectors.http_connector import HttpConnector
from hub.connectors.xml_target import XmlTargetBuilder, XmlTargets
from hub.domain.message import MessageAttachment
from hub.errors import PermanentError

XML = "application/xml"
SUBMISSION_HEADER = "X-Hub-Submission-Id"


@dataclass(frozen=True, slots=True)
class _Config:
    url: str
    author: Authority
    reader: Authority
    options: settings.XdomeaOptions

    @classmethod
    def read(cls, destination: Destination) -> _Config:
        author, reader = settings.authority(destination, "author"), settings.authority(destination, "reader")
        return cls(settings.url(destination), author, reader, settings.options(destination))


class XdomeaHttpConnector(HttpConnector):
    name = settings.CONNECTOR
    sends_attachments = True

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        # Read on first use: a broken destination fails its builds and sends, not the worker.
        self._config = FirstUse(lambda: _Config.read(self.destination))
        self._documents = XmlTargets(context, lambda what: settings.fail(self.destination, what))

    @property
    def config(self) -> _Config:
        return self._config.get()

    def document_builder(self, service: str) -> XmlTargetBuilder:
        return self._documents.get(service, self.destination.standard or STANDARD)

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        config = self.config
        document = self.document_builder(submission.service)
        body, manifest = build_message(document, submission, message_id, config.author, config.reader, config.options)
        headers = {MANIFEST_HEADER: manifest.encode(), SUBMISSION_HEADER: submission.id}
        return OutboundMessage(message_id, XML, body, headers=headers)

    def pass_on(self, submission: SubmissionData, message_id: str, content: bytes, media_type: str) -> OutboundMessage:
        """A received message wrapped as xdomea (:mod:`.received`), stored as its whole container.

        The container is built here, once: the received message is a file of it, but not one of
        the case's stored files the worker hands :meth:`send` (those go beside the message to XTA
        destinations). Deterministic like every container, so each attempt sends the same bytes.
        """
        config = self.config
        wrapped = wrapped_submission(submission, content, media_type)
        document = self.document_builder(submission.service)
        body, manifest = build_message(
            document, wrapped, message_id, config.author, config.reader, config.options, received=True
        )
        files = [MessageAttachment(a.file_name, a.media_type, a.sha256, a.content) for a in wrapped.attachments]
        archive = build_container(manifest, body, files)
        headers = {MANIFEST_HEADER: manifest.encode(), SUBMISSION_HEADER: submission.id}
        return OutboundMessage(message_id, MEDIA_TYPE, archive, headers=headers)

    def send(self, message: OutboundMessage) -> Receipt:
        config = self.config
        manifest = Manifest.decode(message.headers[MANIFEST_HEADER])
        archive = message.body if message.media_type == MEDIA_TYPE else self._container(manifest, message)
        digest = base64.b64encode(hashlib.sha256(archive).digest()).decode()
        headers = {
            "Content-Type": MEDIA_TYPE,
            "Content-Disposition": f'attachment; filename="{manifest.archive_name}"',
            "Content-Digest": f"sha-256=:{digest}:",
            "Idempotency-Key": message.message_id,
            "X-Hub-Message-Id": message.message_id,
            SUBMISSION_HEADER: message.headers.get(SUBMISSION_HEADER, ""),
            **auth_headers(self.destination),
        }
        response = self.post(config.url, content=archive, headers=headers)
        raise_for_delivery(response)
        return _receipt(response)

    @staticmethod
    def _container(manifest: Manifest, message: OutboundMessage) -> bytes:
        try:
            return build_container(manifest, message.body, message.attachments)
        except ContainerMismatch as exc:
            raise PermanentError(f"cannot assemble the xdomea container: {exc}") from exc


def _receipt(response: httpx.Response) -> Receipt:
    # A 2xx that is not JSON (a proxy's page, a cut-off answer) is retried: see expect_json.
    answer = expect_json(response, "the DMS") if response.content else {}
    if not isinstance(answer, dict):
        answer = {}
    reference = answer.get("aktenzeichen") or answer.get("id")
    detail = {key: answer[key] for key in ("id", "aktenzeichen", "dokumente", "duplicate") if key in answer}
    return Receipt(reference=str(reference) if reference else None, status_code=response.status_code, detail=detail)
