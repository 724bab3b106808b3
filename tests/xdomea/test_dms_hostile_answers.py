"""xdomea over HTTP against a DMS behind a misbehaving proxy, through the real worker (SQLite).

A 200 with the proxy's HTML page and an answer trickled past the attempt deadline are both recorded
as transient attempts and retried; the message is filed once and the delivery ends delivered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import attachment
from tests.support.waiting import wait_status
from tests.xdomea.xdomea_support import dms_settings, sample, write_dms_region

ATTEMPT_DEADLINE_SECONDS = 2


@pytest.fixture
def hub(tmp_path: Path, backoffice: ServerThread, dms_server: ServerThread) -> Iterator[RunningHub]:
    settings = dms_settings(
        "http", url=f"{dms_server.url}/dms/{{slug}}/xdomea", attemptDeadlineSeconds=ATTEMPT_DEADLINE_SECONDS
    )
    region = write_dms_region(tmp_path / "region", backoffice.url, settings)
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region))
    yield running
    stop_hub(running)


def submit(hub: RunningHub) -> str:
    envelope = sample("sperrmuell")
    envelope["attachments"] = [attachment(b"%PDF-1.7\n% Vollmacht\n", "vollmacht.pdf")]
    answer = hub.api.post("/v1/submissions", json=envelope)
    assert answer.status_code == 202, answer.text
    submission_id: str = answer.json()["id"]
    return submission_id


def attempts(hub: RunningHub, submission_id: str) -> list[dict[str, Any]]:
    events = hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"]
    return [e["detail"] for e in events if e["kind"] == "attempt"]


@pytest.mark.parametrize(
    ("rule", "first_error"),
    [
        ({"mode": "html", "count": 1}, "text/html"),
        ({"mode": "trickle", "intervalMs": 300, "count": 1}, "attempt deadline"),
    ],
    ids=["html-200", "trickle"],
)
def test_a_hostile_answer_is_a_transient_attempt_and_the_retry_files_the_message_once(
    hub: RunningHub, dms: httpx.Client, rule: dict[str, Any], first_error: str
) -> None:
    # Given a DMS whose next answer is a proxy's page, or trickles for longer than the attempt's 2 s
    dms.post("/_sim/faults", json=rule).raise_for_status()

    # When an application is posted
    submission_id = submit(hub)

    # Then it is delivered on the second attempt
    (delivery,) = wait_status(hub, submission_id, "delivered", timeout=30)["deliveries"]
    assert delivery["attempts"] == 2

    # And the first attempt is recorded as transient, saying why
    first, second = attempts(hub, submission_id)
    assert first["outcome"] == "transient"
    assert first_error in first["error"]
    assert second["outcome"] == "ok"

    # And the DMS holds the message once (a trickled answer was filed already: the retry is a repeat)
    (filed,) = dms.get("/_sim/messages").json()
    assert filed["messageId"] == delivery["messageId"]
