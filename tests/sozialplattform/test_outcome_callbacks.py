"""The platform's later decision reaches the portal: a signed status callback for accepted and for rejected."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hub.config import PROJECT_ROOT
from hub.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.conftest import RunningHub
from tests.support.portal import PortalReceiver, serve_portal
from tests.support.region import GLADBECK
from tests.support.waiting import wait_for

SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "wohngeld-antrag.json"
SECRET = "portal-secret-0f3a9c"


def submit_with_callbacks(hub: RunningHub, url: str) -> str:
    _, key = hub.ctx.clients.create("portal-callbacks", [GLADBECK], callback_url=url, callback_secret=SECRET)
    answer = hub.api.post(
        "/v1/submissions",
        json=json.loads(SAMPLE.read_text(encoding="utf-8")),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def decided(receiver: PortalReceiver, submission_id: str) -> dict[str, Any] | None:
    found = [b for b in receiver.bodies() if b["submissionId"] == submission_id and "outcome" in b]
    return found[0] if found else None


@pytest.mark.parametrize(
    ("decision", "outcome", "status", "state"),
    [({"outcome": "accept"}, "accepted", "delivered", "delivered"),
     ({"outcome": "reject", "problems": [{"title": "Mietvertrag fehlt"}]}, "rejected", "failed", "dead")],
    ids=["accepted", "rejected"],
)  # fmt: skip
def test_the_portal_hears_the_platforms_decision(
    hub: RunningHub, fc: httpx.Client, decision: dict[str, Any], outcome: str, status: str, state: str
) -> None:
    # Given a portal that asked for callbacks, and a platform that will decide as given
    fc.put("/_sim/decision", json=decision).raise_for_status()
    with serve_portal() as (receiver, url):
        # When a Wohngeld-Antrag is sent and the platform decides
        submission_id = submit_with_callbacks(hub, url)
        body = wait_for(lambda: decided(receiver, submission_id), timeout=20, what=f"the {outcome} callback")

        # Then the portal gets a callback naming the decision, the destination and the new status
        assert body is not None
        assert body["outcome"] == outcome
        assert body["status"] == status
        assert body["deliveryState"] == state
        assert body["destination"] == "gladbeck-sozialplattform"
        if outcome == "rejected":
            assert "Mietvertrag fehlt" in body["reason"]

        # signed like every status callback
        raw, headers = next((r, h) for r, h in receiver.received if json.loads(r) == body)
        assert verify(SECRET, raw, headers[SIGNATURE_HEADER.lower()], headers[TIMESTAMP_HEADER.lower()])
