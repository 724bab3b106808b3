"""The ``sozialplattform`` connector: a mapped application as an encrypted FIT-Connect submission.

At intake ``build`` makes the parcel (:mod:`.message`: the data mapped and checked against the data
schema, the metadata checked against metadata 2.1.0). ``send`` routes, checks the destination's
key, encrypts and submits (:class:`~connectors.fitconnect.FitConnectSender`); the receipt says the
submission awaits acceptance, which :meth:`SozialplattformConnector.poll_outcome` reads from the
case's event log. Token endpoint, Routing API and Submission API share the connector's one HTTP
client. Settings: see :mod:`.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.fitconnect import (
    ClientCredentials,
    FitConnectSender,
    RouteLookup,
    SubmissionApi,
    TokenSource,
    load_trust_anchors,
    outcome_of,
)
from connectors.sozialplattform.message import build_parcel, stored_parcel
from connectors.sozialplattform.settings import CONNECTOR, PlatformAccess
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.first_use import FirstUse
from hub.connectors.http_connector import HttpConnector
from hub.domain.acceptance import Outcome


class SozialplattformConnector(HttpConnector):
    name = CONNECTOR
    sends_attachments = True
    # token, route, destination, key, announce, submit (+ one per attachment, covered by the lease margin)
    requests_per_send = 8

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(destination, context)
        self._sender = FirstUse(self._connect)

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return build_parcel(self.context, self.destination, submission, message_id)

    def send(self, message: OutboundMessage) -> Receipt:
        submitted = self.sender.send(stored_parcel(message))
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

    @property
    def sender(self) -> FitConnectSender:
        return self._sender.get()

    def _connect(self) -> FitConnectSender:
        access = PlatformAccess.read(self.destination)
        credentials = ClientCredentials(access.token_url, access.client_id, access.secret_env, access.scope)
        tokens = TokenSource(credentials, self.client)
        return FitConnectSender(
            RouteLookup(access.routing_url, self.client),
            SubmissionApi(access.submission_url, self.client, tokens),
            load_trust_anchors(access.trust_anchors_file),
            self.context.schemas,
        )

    def close(self) -> None:
        self._sender.take()
        super().close()
