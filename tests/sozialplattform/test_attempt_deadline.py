"""One FIT-Connect send (token, routing, every Submission API call and upload) under one attempt deadline.

Against the FIT-Connect simulator trickling its answers (``{"mode": "trickle", "system": ...}``):
whichever part trickles, the send ends at the deadline as ``AttemptTimeout``. The simulator's fault
rules are per part (``token``, ``routing``, ``submission``), not per call, so a trickling
``submission`` cuts the send at its first Submission API call, before the uploads; that the uploads
run under the same client and deadline is shown by the send that succeeds with an attachment.

Bounds as in tests/delivery/test_attempt_deadline.py: an attempt of 2 s ends within [1.9 s, 6 s).
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from connectors.sozialplattform import SozialplattformConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import AttachmentData, ConnectorContext, Destination, OutboundMessage, SubmissionData
from hub.connectors.deadline import AttemptTimeout, attempt_deadline
from hub.domain.message import MessageAttachment
from hub.errors import PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from hub.schemas import SchemaCatalog
from tests.support.envelopes import sample
from tests.support.fitconnect import CLIENT_ID, LEIKA, RunningFitConnect

DEADLINE = 2.0
LATEST = 6.0


@pytest.fixture
def connector(
    fitconnect: RunningFitConnect, fc: httpx.Client, secrets: None, catalog: SchemaCatalog
) -> Iterator[SozialplattformConnector]:
    destination = Destination(
        id="gladbeck-sozialplattform",
        name="Sozialplattform Gladbeck",
        connector="sozialplattform",
        standard="fit-connect-json",
        settings={
            "tokenUrl": f"{fitconnect.url}/token",
            "routingUrl": f"{fitconnect.url}/routing",
            "submissionUrl": f"{fitconnect.url}/submission",
            "clientId": CLIENT_ID,
            "clientSecretEnv": "HUB_TEST_FITCONNECT_SECRET",
            "trustAnchorsFile": str(fitconnect.trust_anchors),
            "ars": "055620014014",
            "timeoutSeconds": 10,
        },
    )
    context = ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"), schemas=catalog)
    social = SozialplattformConnector(destination, context)
    yield social
    social.close()


def wohngeld_message(connector: SozialplattformConnector) -> OutboundMessage:
    """The Wohngeld sample as the worker hands it to ``send``: built at intake, files beside it."""
    envelope = sample("wohngeld-antrag")
    files = tuple(
        AttachmentData(a["fileName"], a["mediaType"], a["sha256"], base64.b64decode(a["content"]))
        for a in envelope.pop("attachments")
    )
    assert all(hashlib.sha256(f.content).hexdigest() == f.sha256 for f in files)
    submission = SubmissionData(str(uuid.uuid4()), datetime.now(UTC), envelope, files, LEIKA["wohngeld-antrag"])
    built = connector.build(submission, str(uuid.uuid4()))
    attached = tuple(MessageAttachment(f.file_name, f.media_type, f.sha256, f.content) for f in files)
    return OutboundMessage(built.message_id, built.media_type, built.body, built.headers, attached)


def test_a_send_with_its_uploads_completes_within_the_deadline(connector: SozialplattformConnector) -> None:
    # Given a healthy platform and an application with one attachment
    message = wohngeld_message(connector)
    assert message.attachments

    # When it is sent under one attempt deadline
    with attempt_deadline(10.0):
        receipt = connector.send(message)

    # Then token, route, keys, announce, upload and submit all went through
    assert receipt.detail["awaitingAcceptance"] is True


@pytest.mark.parametrize("part", ["token", "routing", "submission"])
def test_a_trickling_platform_part_ends_the_send_at_its_deadline(
    connector: SozialplattformConnector, fc: httpx.Client, part: str
) -> None:
    # Given a platform whose part answers one byte every 250 ms (each read quick, every answer slow)
    armed = fc.post("/_sim/faults", json={"mode": "trickle", "system": part, "intervalMs": 250})
    assert armed.status_code == 201, armed.text
    message = wohngeld_message(connector)

    # When the connector sends under an attempt deadline of 2 s
    started = time.monotonic()
    with pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
        connector.send(message)

    # Then the whole send, however many requests it made, ended at the deadline
    took = time.monotonic() - started
    assert 1.9 <= took < LATEST, took


@pytest.mark.parametrize("part", ["token", "routing", "submission"])
def test_a_proxys_html_page_from_a_platform_part_is_transient(
    connector: SozialplattformConnector, fc: httpx.Client, part: str
) -> None:
    # Given a proxy in front of one part of the platform answering its HTML page with 200
    armed = fc.post("/_sim/faults", json={"mode": "html", "system": part})
    assert armed.status_code == 201, armed.text

    # When the connector sends
    with pytest.raises(TransientError, match="text/html") as raised, attempt_deadline(DEADLINE):
        connector.send(wohngeld_message(connector))

    # Then the send is retried, never dead
    assert not isinstance(raised.value, PermanentError)
