"""Signed status callbacks to portals, delivered through the same retry machinery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from hub.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.conftest import RunningHub
from tests.support.envelopes import sample
from tests.support.portal import PortalReceiver, serve_portal
from tests.support.waiting import wait_for


@pytest.fixture
def portal() -> Iterator[tuple[PortalReceiver, str]]:
    with serve_portal() as served:
        yield served


def test_status_callbacks_are_signed_and_verify_with_the_clients_secret(
    hub: RunningHub, portal: tuple[PortalReceiver, str]
) -> None:
    # Given a portal client with a callback URL and secret, whose endpoint fails once
    receiver, url = portal
    receiver.fail_next = 1
    _, key = hub.ctx.clients.create(
        "portal-with-callbacks", ["05562014"], callback_url=url, callback_secret="s3cr3t-of-the-portal"
    )

    # When it submits and the submission is delivered
    with hub.client(key) as client:
        submission_id = client.post("/v1/submissions", json=sample()).json()["id"]

    # Then the portal receives the change to delivered, despite its own first failure
    def delivered_callback() -> list[dict[str, Any]]:
        bodies = [orjson.loads(b) for b, _ in receiver.received]
        return [b for b in bodies if b["status"] == "delivered"]

    wait_for(delivered_callback, what="a delivered callback")
    body, headers = next((b, h) for b, h in receiver.received if orjson.loads(b)["status"] == "delivered")
    change = orjson.loads(body)
    assert change["submissionId"] == submission_id
    assert change["deliveryState"] == "delivered"
    assert change["destination"] == "gladbeck-fachverfahren"

    # And its signature verifies with the client's secret, while a tampered body or wrong secret fails
    signature, timestamp = headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER]
    assert verify("s3cr3t-of-the-portal", body, signature, timestamp)
    tampered = body.replace(b"delivered", b"rejected")
    assert not verify("s3cr3t-of-the-portal", tampered, signature, timestamp)
    assert not verify("another-secret", body, signature, timestamp)
    assert headers["idempotency-key"]
