"""``hub replies post|list`` as real subprocesses against the served hub's database, and ``hub keys
rotate`` re-sealing a reply's text and documents under a new key."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.sealing.sealer import key_id_of
from hub.store.tables import reply
from tests.conftest import RunningHub
from tests.replies.reply_support import BESCHEID, PORTAL_SECRET, VerifyingPortal, serve_verifying_portal
from tests.support.cli import HubCli, hub_env
from tests.support.envelopes import sample
from tests.support.region import GLADBECK
from tests.support.sealing import TEST_KEYRING
from tests.support.waiting import wait_for

ROTATED = json.dumps(
    {
        "current": "test-2",
        "keys": {
            **json.loads(TEST_KEYRING)["keys"],
            "test-2": base64.b64encode(b"the-second-key-of-the-hub-suite!").decode(),
        },
    }
)


@pytest.fixture
def portal() -> Iterator[tuple[VerifyingPortal, str]]:
    with serve_verifying_portal() as served:
        yield served


def _case(hub: RunningHub, url: str | None) -> str:
    _, key = hub.ctx.clients.create(
        f"portal-{bool(url)}", [GLADBECK], callback_url=url, callback_secret=PORTAL_SECRET if url else None
    )
    with hub.client(key) as client:
        answer = client.post("/v1/submissions", json=sample())
    assert answer.status_code == 202
    submission_id: str = answer.json()["id"]
    return submission_id


def test_an_operator_replies_from_the_terminal_and_rotation_reseals_the_reply(
    hub: RunningHub, portal: tuple[VerifyingPortal, str], database_url: str, region_dir: Path, tmp_path: Path
) -> None:
    # Given a portal's case and the Bescheid as a file
    receiver, url = portal
    submission_id = _case(hub, url)
    pdf = tmp_path / "Bescheid.pdf"
    pdf.write_bytes(BESCHEID)
    cli = HubCli(hub_env(database_url, region_dir))

    # When an operator replies from the terminal
    out = cli.ok(
        "replies", "post", submission_id, "--status", "rejected", "--text", "Der Antrag wird abgelehnt.",
        "--document", str(pdf),
    )  # fmt: skip

    # Then the reply is stored, and the running hub's workers return it to the portal, signed
    assert "via portal-callback" in out
    [received] = wait_for(receiver.replies, timeout=30, what="the CLI's reply at the portal")
    assert (received["status"], received["text"]) == ("rejected", "Der Antrag wird abgelehnt.")
    assert received["documents"][0]["fileName"] == "Bescheid.pdf"
    assert received["documents"][0]["mediaType"] == "application/pdf"

    def delivered() -> list[dict[str, object]] | None:
        listed = json.loads(cli.ok("replies", "list", submission_id, "--json", "--text"))
        return listed if listed and listed[0]["delivery"]["state"] == "delivered" else None

    [listed] = wait_for(delivered, timeout=30, what="the reply delivered, as the CLI lists it")
    assert listed["by"].startswith("cli:")
    assert listed["text"] == "Der Antrag wird abgelehnt."

    # And `hub keys rotate` re-seals its text and documents under the new key, readable after
    rotated = HubCli(hub_env(database_url, region_dir, HUB_DATA_KEYS=ROTATED))
    rotated.ok("keys", "rotate")
    with hub.ctx.db.read() as conn:
        row = conn.execute(select(reply.c.text, reply.c.documents)).one()
    assert key_id_of(row.text) == "test-2"
    assert key_id_of(row.documents) == "test-2"
    [again] = json.loads(rotated.ok("replies", "list", submission_id, "--json", "--text"))
    assert again["text"] == "Der Antrag wird abgelehnt."
    assert again["documents"] == 1


def test_the_cli_refuses_a_case_without_a_way_back_and_bad_input(
    hub: RunningHub, database_url: str, region_dir: Path
) -> None:
    submission_id = _case(hub, None)
    cli = HubCli(hub_env(database_url, region_dir))
    refused = cli.run("replies", "post", submission_id, "--status", "approved", "--text", "Eingetragen.")
    assert refused.returncode == 1
    assert "refused: the portal client of this submission has no callback URL" in refused.stderr
    empty = cli.run("replies", "post", submission_id, "--status", "approved")
    assert empty.returncode == 1
    assert "/text: a reply needs a text or at least one document" in empty.stderr
    missing = cli.run("replies", "list", "00000000-0000-0000-0000-000000000000")
    assert missing.returncode == 1
    assert json.loads(cli.ok("replies", "list", submission_id, "--json")) == []
