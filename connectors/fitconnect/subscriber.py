"""The ``fitconnect-subscriber`` inbound source: a municipality's FIT-Connect destination, as its subscriber.

Settings (``inbound:`` entry of ``region.yaml``)::

    tokenUrl: https://auth.fit-connect.example/token
    submissionUrl: https://submission-api.fit-connect.example     # the Submission API's base
    clientId: "..."                      # the subscriber client of this destination
    clientSecretEnv: HUB_FC_SUBSCRIBER_SECRET   # the environment variable holding its secret
    scope: "..."                         # optional
    destinationId: "..."                 # the Zustellpunkt read
    keysFile: /etc/hub/fc-gladbeck.jwks.json    # private decryption keys (all kids in use) + signing key
    signingKid: "..."                    # optional when the file holds one signing key
    timeoutSeconds: 10
    pageSize: 100                        # submissions listed per page (all pages are read)

A poll lists every page of waiting submissions, then fetches, decrypts and checks each
(:mod:`~connectors.fitconnect.opening`). One that fails a check is answered at once with
``reject-submission`` and the problem, and not handed to the hub (one encrypted for a key the
``keysFile`` lacks is left waiting, with a warning); one that passes is handed over
(its data as the message, its metadata and attachments as attachments), and :meth:`confirm`,
called once the hub stored it, sends ``accept-submission`` with the authentication tags. A
transient error (platform unreachable, 5xx, an answer not from the platform) ends the poll and
rejects nothing: the submission stays waiting.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import structlog
from joserfc import jws

from connectors.fitconnect.events import ACCEPT, REJECT
from connectors.fitconnect.oauth import ClientCredentials, TokenSource
from connectors.fitconnect.opening import FetchedSubmission, KeyMissing, Opened, Problem, Rejected, open_submission
from connectors.fitconnect.subscriber_api import SubscriberApi, is_gone
from connectors.fitconnect.subscriber_keys import SIGN_ALG, DestinationKeys, load_destination_keys
from hub.connectors.base import ConnectorContext
from hub.connectors.inbound import Identified, InboundSource, Received, ReceivedPart, SourceConfig
from hub.errors import ConfigError, PermanentError

log = structlog.get_logger(__name__)

STANDARD = "fit-connect"
LEIKA_URN = "urn:de:fim:leika:leistung:"
SET_PAYLOAD_SCHEMA = "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json"
METADATA_FILE = "fit-connect-metadata.json"


@dataclass(frozen=True)
class _Handle:
    submission_id: str
    case_id: str
    tags: Mapping[str, Any]


class FitConnectSubscriberSource(InboundSource):
    kind = "fitconnect-subscriber"

    def __init__(self, config: SourceConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        settings = config.settings
        where = f"inbound source {config.id}"
        try:
            self.destination_id = str(settings["destinationId"])
            self.credentials = ClientCredentials(
                str(settings["tokenUrl"]),
                str(settings["clientId"]),
                str(settings["clientSecretEnv"]),
                settings.get("scope"),
            )
            self.submission_url = str(settings["submissionUrl"])
            keys_file = str(settings["keysFile"])
        except KeyError as exc:
            raise ConfigError(f"{where}: settings lack {exc.args[0]!r}") from exc
        self.keys: DestinationKeys = load_destination_keys(keys_file, settings.get("signingKid"))
        self.timeout = float(settings.get("timeoutSeconds", 10.0))
        self.page_size = int(settings.get("pageSize", 100))
        self._client: httpx.Client | None = None
        self._api: SubscriberApi | None = None
        self._waiting: dict[str, str | None] | None = None
        """The last listing minus what was answered since, with why each is not (see ``waiting``)."""

    @property
    def api(self) -> SubscriberApi:
        if self._api is None:
            self._client = httpx.Client(timeout=self.timeout)
            self._api = SubscriberApi(self.submission_url, self._client, TokenSource(self.credentials, self._client))
        return self._api

    def describe(self) -> str:
        return f"FIT-Connect destination {self.destination_id} at {self.submission_url}"

    def poll(self) -> Iterator[Received]:
        # All pages first: answering a submission takes it off the list and would shift the offsets.
        self._waiting = None
        waiting = list(self.api.pending(self.destination_id, self.page_size))
        self._waiting = {submission_id: None for submission_id, _ in waiting}
        for submission_id, _case_id in waiting:
            try:
                fetched = self.api.fetch(submission_id)
            except PermanentError as exc:
                # Gone meanwhile, or refused to us: nothing to answer; the others are still read.
                log.warning("fitconnect_submission_not_fetched", submission_id=submission_id, gone=is_gone(exc))
                self._waiting[submission_id] = "not-fetched"
                continue
            try:
                opened = open_submission(fetched, self.keys.decryption, self.context.schemas)
            except KeyMissing as missing:
                # Not rejected: the operator adds the key (keysFile) and the next poll takes it.
                log.warning("fitconnect_decryption_key_missing", submission_id=submission_id, kid=missing.kid)
                self._waiting[submission_id] = "decryption-key-missing"
                continue
            except Rejected as rejected:
                self._reject(fetched, rejected.problem)
                self._waiting.pop(submission_id, None)
                continue
            yield self._received(fetched, opened)

    def confirm(self, received: Received) -> None:
        handle: _Handle = received.handle
        body = {"authenticationTags": dict(handle.tags)}
        self.api.post_event(handle.case_id, self._token(handle.submission_id, handle.case_id, ACCEPT, body))
        log.info("fitconnect_submission_accepted", submission_id=handle.submission_id, case_id=handle.case_id)
        if self._waiting is not None:
            self._waiting.pop(handle.submission_id, None)

    def waiting(self) -> Mapping[str, str | None] | None:
        return None if self._waiting is None else dict(self._waiting)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client, self._api = None, None

    def _reject(self, fetched: FetchedSubmission, problem: Problem) -> None:
        body = {"problems": [problem.as_json()]}
        self.api.post_event(fetched.case_id, self._token(fetched.submission_id, fetched.case_id, REJECT, body))
        log.warning(
            "fitconnect_submission_rejected",
            submission_id=fetched.submission_id,
            case_id=fetched.case_id,
            problem=problem.kind,
            instance=problem.instance,
        )

    def _token(self, submission_id: str, case_id: str, event: str, body: Mapping[str, Any]) -> str:
        """A Security Event Token of this destination, signed PS512 with its signing key."""
        claims = {
            "$schema": SET_PAYLOAD_SCHEMA,
            "jti": str(uuid.uuid4()),
            "iss": self.destination_id,
            "iat": int(time.time()),
            "sub": f"submission:{submission_id}",
            "txn": f"case:{case_id}",
            "events": {event: dict(body)},
        }
        header = {"typ": "secevent+jwt", "alg": SIGN_ALG, "kid": self.keys.signing_kid}
        return jws.serialize_compact(header, orjson.dumps(claims), self.keys.signing, algorithms=[SIGN_ALG])

    def _received(self, fetched: FetchedSubmission, opened: Opened) -> Received:
        identifier = str(fetched.service.get("identifier") or "")
        leika = identifier.removeprefix(LEIKA_URN)
        metadata = ReceivedPart(opened.metadata_bytes, "application/json", METADATA_FILE)
        parts = tuple(ReceivedPart(a.content, a.media_type, a.file_name) for a in opened.attachments)
        return Received(
            external_id=fetched.submission_id,
            sender=None,
            reader=fetched.destination_id,
            message=ReceivedPart(opened.data, opened.data_media_type, None),
            attachments=(metadata, *parts),
            header={
                "transport": STANDARD,
                "submissionId": fetched.submission_id,
                "caseId": fetched.case_id,
                "destinationId": fetched.destination_id,
                "serviceType": identifier,
                "leikaKey": leika,
                "metadataSchema": opened.metadata_version,
                "dataSchema": opened.data_schema,
            },
            size=len(opened.data) + sum(len(a.content) for a in opened.attachments),
            handle=_Handle(fetched.submission_id, fetched.case_id, opened.authentication_tags),
            identified=Identified(STANDARD, opened.metadata_version, leika or identifier, fetched.submission_id),
        )
