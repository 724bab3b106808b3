"""Replies to a portal's submissions, end to end over real HTTP: the back office posts through the
API, the hub returns the reply as a signed callback to the portal's callback URL (a real receiver
on loopback that verifies the signature), the API shows its delivery. Bad input, no way back, other
municipalities and repeats are refused with nothing stored; the reply is sealed at rest, purged
with the case on erasure, and re-sealed by key rotation."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub.store.tables import audit_log, delivery, reply
from tests.conftest import RunningHub
from tests.replies.reply_support import (
    BESCHEID,
    DECISION,
    PORTAL_SECRET,
    VerifyingPortal,
    document,
    reply_body,
    serve_verifying_portal,
)
from tests.support.envelopes import sample
from tests.support.region import GLADBECK, HERTEN
from tests.support.waiting import wait_for


@pytest.fixture
def portal() -> Iterator[tuple[VerifyingPortal, str]]:
    with serve_verifying_portal() as served:
        yield served


@pytest.fixture
def back_office(hub: RunningHub) -> Iterator[httpx.Client]:
    """The Gladbeck back office's API client (role back-office, Gladbeck only)."""
    _, key = hub.ctx.clients.create("fachverfahren-gladbeck", [GLADBECK], roles=["back-office"])
    with hub.client(key) as client:
        yield client


def _case(hub: RunningHub, callback_url: str | None) -> str:
    """A Hundesteuer-Anmeldung posted by a Gladbeck portal (with or without a callback URL)."""
    secret = PORTAL_SECRET if callback_url else None
    name = "portal-replies" if callback_url else "portal-no-callback"
    _, key = hub.ctx.clients.create(name, [GLADBECK], callback_url=callback_url, callback_secret=secret)
    with hub.client(key) as client:
        answer = client.post("/v1/submissions", json=sample())
    assert answer.status_code == 202, answer.text
    submission_id: str = answer.json()["id"]
    return submission_id


def _counts(hub: RunningHub) -> tuple[int, int]:
    with hub.ctx.db.read() as conn:
        replies = conn.execute(select(func.count()).select_from(reply)).scalar_one()
        replying = conn.execute(select(func.count()).select_from(delivery).where(delivery.c.kind == "reply"))
        return int(replies), int(replying.scalar_one())


def _delivered(back_office: httpx.Client, submission_id: str) -> dict[str, Any]:
    def state() -> dict[str, Any] | None:
        listed = back_office.get(f"/v1/submissions/{submission_id}/replies")
        assert listed.status_code == 200, listed.text
        [one] = listed.json()["replies"]
        return one if one["delivery"]["state"] == "delivered" else None

    found: dict[str, Any] = wait_for(state, timeout=20, what="the reply delivered")
    return found


def test_a_reply_reaches_the_portal_as_a_signed_callback(
    hub: RunningHub, portal: tuple[VerifyingPortal, str], back_office: httpx.Client
) -> None:
    # Given a portal's submission for Gladbeck, the portal having a callback URL and secret
    receiver, url = portal
    submission_id = _case(hub, url)

    # When Gladbeck's back office posts its decision with the Bescheid as PDF
    answer = back_office.post(
        f"/v1/submissions/{submission_id}/replies", json=reply_body(), headers={"Idempotency-Key": "bescheid-1"}
    )

    # Then it is accepted with its delivery to the portal's callback destination
    assert answer.status_code == 202, answer.text
    posted = answer.json()
    assert (posted["channel"], posted["status"], posted["by"]) == (
        "portal-callback",
        "approved",
        "api:fachverfahren-gladbeck",
    )
    assert (
        posted["delivery"]["destination"]
        == "portal-callback:" + hub.ctx.services.replies.store.case(submission_id).client_id
    )  # type: ignore[union-attr]
    assert posted["documents"] == [
        {
            "fileName": "Bescheid Hundesteuer.pdf",
            "mediaType": "application/pdf",
            "sha256": document()["sha256"],
            "size": len(BESCHEID),
        }
    ]
    # And the portal receives it signed with its secret (its endpoint verified the signature)
    [received] = wait_for(receiver.replies, timeout=20, what="the reply at the portal")
    assert receiver.refused == 0
    assert received["submissionId"] == submission_id
    assert received["replyId"] == posted["id"]
    assert received["portalReference"] == sample()["portalReference"]
    assert (received["status"], received["text"]) == ("approved", DECISION)
    [sent] = received["documents"]
    assert base64.b64decode(sent["content"]) == BESCHEID
    assert sent["sha256"] == document()["sha256"]
    # And the API shows the reply delivered; the case's log names it
    shown = _delivered(back_office, submission_id)
    assert shown["id"] == posted["id"]
    assert shown["text"] == DECISION
    assert shown["delivery"]["attempts"] == 1
    kinds = [e.kind for e in hub.ctx.submissions.events(submission_id)]
    assert "replied" in kinds
    # And the text and the document's name are sealed at rest, the read of them audited
    with hub.ctx.db.read() as conn:
        row = conn.execute(select(reply.c.text, reply.c.documents).where(reply.c.id == posted["id"])).one()
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.target == submission_id)).scalars().all()
    assert DECISION not in str(row.text)
    assert "Bescheid" not in str(row.documents)
    assert {"reply-post", "read-personal-data"} <= set(actions)


def test_a_repeat_with_the_same_key_gets_the_same_reply_and_another_body_a_conflict(
    hub: RunningHub, portal: tuple[VerifyingPortal, str], back_office: httpx.Client
) -> None:
    submission_id = _case(hub, portal[1])
    path = f"/v1/submissions/{submission_id}/replies"
    first = back_office.post(path, json=reply_body(), headers={"Idempotency-Key": "k-1"})
    again = back_office.post(path, json=reply_body(), headers={"Idempotency-Key": "k-1"})
    other = back_office.post(path, json=reply_body(status="rejected"), headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 409)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "/problems/idempotency-conflict"
    assert _counts(hub) == (1, 1)
    wait_for(lambda: portal[0].replies(), timeout=20, what="the one reply at the portal")
    assert len(portal[0].replies()) == 1


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (reply_body(status="granted"), "/status"),
        (reply_body(text=123), "/text"),
        (reply_body(documents=[{**document(), "sha256": "0" * 64}]), "/documents/0/sha256"),
        (reply_body(documents=[{**document(), "content": "not base64!"}]), "/documents/0/content"),
        (reply_body(documents=[{**document(), "fileName": "../etc/passwd"}]), "/documents/0/fileName"),
        (reply_body(text=None, documents=[]), "/text"),
        ({**reply_body(), "decision": "yes"}, "/decision"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_stored(
    hub: RunningHub, portal: tuple[VerifyingPortal, str], back_office: httpx.Client, body: dict[str, Any], pointer: str
) -> None:
    submission_id = _case(hub, portal[1])
    answer = back_office.post(f"/v1/submissions/{submission_id}/replies", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/validation-error"
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert _counts(hub) == (0, 0)


def test_a_portal_without_callback_url_offers_no_way_back(hub: RunningHub, back_office: httpx.Client) -> None:
    submission_id = _case(hub, None)
    answer = back_office.post(f"/v1/submissions/{submission_id}/replies", json=reply_body())
    assert answer.status_code == 409, answer.text
    assert answer.json()["type"] == "/problems/no-reply-channel"
    assert "callback" in answer.json()["detail"]
    assert _counts(hub) == (0, 0)


def test_only_back_offices_and_operators_of_the_municipality_may_reply(
    hub: RunningHub, portal: tuple[VerifyingPortal, str], back_office: httpx.Client
) -> None:
    submission_id = _case(hub, portal[1])
    path = f"/v1/submissions/{submission_id}/replies"
    _, herten_office = hub.ctx.clients.create("fachverfahren-herten", [HERTEN], roles=["back-office"])
    with hub.client(hub.gladbeck_key) as portal_client, hub.client(herten_office) as herten:
        assert portal_client.post(path, json=reply_body()).status_code == 403
        assert herten.post(path, json=reply_body()).status_code == 404  # not even its existence
        assert herten.get(path).status_code == 404
    assert (
        back_office.post("/v1/submissions/00000000-0000-0000-0000-00000000dead/replies", json=reply_body()).status_code
        == 404
    )
    assert _counts(hub) == (0, 0)
    # An operator of the region may (the operator API's keys)
    with hub.client(hub.operator_key) as operator:
        answer = operator.post(path, json=reply_body(status="needs-information", text="Bitte Impfpass nachreichen."))
    assert answer.status_code == 202, answer.text
    assert answer.json()["by"] == "api:ops-kreis"


def test_erasure_of_the_case_removes_the_reply_text_and_later_replies_are_refused(
    hub: RunningHub, portal: tuple[VerifyingPortal, str], back_office: httpx.Client
) -> None:
    submission_id = _case(hub, portal[1])
    path = f"/v1/submissions/{submission_id}/replies"
    assert back_office.post(path, json=reply_body()).status_code == 202
    _delivered(back_office, submission_id)

    hub.ctx.services.retention.erase(submission_id, actor="cli:test", reason="Art. 17")

    [shown] = back_office.get(path).json()["replies"]
    assert (shown["text"], shown["documents"]) == (None, [])
    assert shown["status"] == "approved"  # the hub's own classification stays
    with hub.ctx.db.read() as conn:
        payloads = conn.execute(select(delivery.c.payload).where(delivery.c.kind == "reply")).scalars().all()
    assert payloads == [None]
    later = back_office.post(path, json=reply_body())
    assert later.status_code == 409
    assert "purged" in later.json()["detail"]
