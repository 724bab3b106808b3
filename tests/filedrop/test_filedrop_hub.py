"""The hub delivering to a file-drop back office over SFTP, end to end, on SQLite and PostgreSQL.

A portal posts a submission; the route sends it to ``{slug}-ablage``, an SFTP drop on the simulator
whose receiver checks each message and writes ``<messageId>.done``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.sim.sftp import SftpSimulator
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.delivery.test_delivery import events_of, wait_status
from tests.filedrop.filedrop_support import write_filedrop_region
from tests.support.envelopes import attachment, sample

PDF = b"%PDF-1.7\n" + os.urandom(400_000)
PHOTO = b"\x89PNG\r\n\x1a\n" + os.urandom(20_000)


@pytest.fixture
def drop_hub(database_url: str, tmp_path: Path, sftp: SftpSimulator) -> Iterator[RunningHub]:
    running = start_hub(make_settings(database_url, write_filedrop_region(tmp_path / "region", sftp)))
    yield running
    stop_hub(running)


def submit(hub: RunningHub, files: list[dict[str, str]]) -> str:
    answer = hub.api.post("/v1/submissions", json=sample(attachments=files))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def test_a_submission_with_attachments_arrives_byte_identical_and_reads_delivered(
    drop_hub: RunningHub, sftp: SftpSimulator
) -> None:
    # When a Hundesteuer-Anmeldung for Gladbeck with two attachments is submitted
    photo = {**attachment(PHOTO, "hund.png"), "mediaType": "image/png"}
    submission_id = submit(drop_hub, [attachment(PDF, "nachweis.pdf"), photo])

    # Then it is delivered once the receiver's marker appeared, and shows the receiver's receipt
    delivery = wait_status(drop_hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["destination"] == "gladbeck-ablage"
    assert delivery["attempts"] == 1
    message_id = delivery["messageId"]
    assert delivery["receipt"]["reference"].startswith("sim-")
    assert delivery["receipt"]["path"] == f"{message_id}.json"

    # And the drop folder holds the message and its files under their final names, nothing else
    inbox = sftp.root / "gladbeck"
    assert sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*")) == [
        message_id,
        f"{message_id}.done",
        f"{message_id}.json",
        f"{message_id}/hund.png",
        f"{message_id}/nachweis.pdf",
    ]
    assert (inbox / message_id / "nachweis.pdf").read_bytes() == PDF
    assert (inbox / message_id / "hund.png").read_bytes() == PHOTO
    body = orjson.loads((inbox / f"{message_id}.json").read_bytes())
    assert body["nachricht"]["einreichungId"] == submission_id
    assert body["vorgang"]["gemeindeschluessel"] == "05562014"
    assert [(a["pfad"], a["sha256"]) for a in body["anlagen"]] == [
        (f"{message_id}/nachweis.pdf", hashlib.sha256(PDF).hexdigest()),
        (f"{message_id}/hund.png", hashlib.sha256(PHOTO).hexdigest()),
    ]
    assert "inhalt" not in str(body["anlagen"])  # files travel beside the message, not inside it
    assert sftp.received() == [f"gladbeck/{message_id}.json"]
    assert orjson.loads((inbox / f"{message_id}.done").read_bytes())["status"] == "accepted"


def test_failed_writes_are_retried_and_then_delivered(drop_hub: RunningHub, sftp: SftpSimulator) -> None:
    # Given a server whose next two write requests fail
    sftp.fail_writes(2, "Platte voll")

    # When a submission is made
    submission_id = submit(drop_hub, [attachment(PDF, "nachweis.pdf")])

    # Then the first two attempts fail as transient, the third delivers, and no temporary file is left
    delivery = wait_status(drop_hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["attempts"] == 3
    attempts = [e["detail"] for e in events_of(drop_hub, submission_id) if e["kind"] == "attempt"]
    assert [a["outcome"] for a in attempts] == ["transient", "transient", "ok"]
    assert "Platte voll" in attempts[0]["error"]
    names = [p.name for p in (sftp.root / "gladbeck").rglob("*")]
    assert not [n for n in names if n.endswith(".part")]
    assert (sftp.root / "gladbeck" / delivery["messageId"] / "nachweis.pdf").read_bytes() == PDF


def test_a_refused_login_makes_the_delivery_dead_at_once(drop_hub: RunningHub, sftp: SftpSimulator) -> None:
    # Given a server that refuses every login
    sftp.refuse_auth()

    # When a submission is made
    submission_id = submit(drop_hub, [attachment(PDF, "nachweis.pdf")])

    # Then the delivery is dead after one attempt, saying why, and nothing was written
    dead = wait_status(drop_hub, submission_id, "failed")["deliveries"][0]
    assert dead["state"] == "dead"
    assert dead["attempts"] == 1
    assert "refused the login" in dead["lastError"]
    assert list((sftp.root / "gladbeck").iterdir()) == []


def test_a_message_the_receiver_rejects_is_dead(drop_hub: RunningHub, sftp: SftpSimulator) -> None:
    sftp.reject_next(1, "Aktenzeichen unbekannt")

    submission_id = submit(drop_hub, [])

    dead = wait_status(drop_hub, submission_id, "failed")["deliveries"][0]
    assert dead["attempts"] == 1
    assert "Aktenzeichen unbekannt" in dead["lastError"]


def test_the_attachment_bytes_posted_are_the_bytes_dropped(drop_hub: RunningHub, sftp: SftpSimulator) -> None:
    # Every byte value (after the PDF signature intake checks), and a name that needs making safe
    content = b"%PDF-1.7\n" + bytes(range(256)) * 64
    posted: dict[str, Any] = attachment(content, ".Scan: Seite 1.pdf")

    submission_id = submit(drop_hub, [posted])

    delivery = wait_status(drop_hub, submission_id, "delivered")["deliveries"][0]
    dropped = sftp.root / "gladbeck" / delivery["messageId"] / "Scan_ Seite 1.pdf"
    assert dropped.read_bytes() == base64.b64decode(posted["content"]) == content
