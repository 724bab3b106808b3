"""Every read of a submission's personal data is on record, and only admins list the record.

Over real HTTP against a real hub and the back-office simulator, on SQLite and PostgreSQL: the
portal's status and event reads, the console's trace (masked for a viewer, in clear for an admin),
and the listing through the operator API (``GET /v1/operator/audit``) and the console's audit page.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub.domain.personal_data import READ_PERSONAL_DATA
from tests.conftest import RunningHub
from tests.support.console import PASSWORD, login
from tests.support.envelopes import sample
from tests.support.region import GLADBECK
from tests.support.waiting import wait_for


def _reads(hub: RunningHub, submission_id: str) -> list[Any]:
    return hub.ctx.audit.list(action=READ_PERSONAL_DATA, target=submission_id)


def _delivered(hub: RunningHub, *, refuse: bool = False, sim: httpx.Client | None = None) -> tuple[str, str]:
    """A submission of Gladbeck, delivered (or refused: dead); its id and its one delivery's id."""
    if refuse and sim is not None:
        sim.post("/_sim/faults", json={"mode": "status", "status": 400, "count": 1, "reason": "Name unbekannt"})
    answer = hub.api.post("/v1/submissions", json=sample())
    assert answer.status_code == 202, answer.text
    submission_id = str(answer.json()["id"])
    final = "dead" if refuse else "delivered"
    view = wait_for(
        lambda: (v := hub.ctx.submissions.get(submission_id)) and v.deliveries[0].state == final and v,
        what=f"the delivery {final}",
    )
    return submission_id, view.deliveries[0].id


def test_a_portal_reading_status_and_events_is_on_record_and_a_foreign_portal_is_refused_unrecorded(
    hub: RunningHub, sim: httpx.Client
) -> None:
    # Given a delivered submission of Gladbeck (its delivery carries the receiver's receipt)
    submission_id, delivery_id = _delivered(hub)
    assert _reads(hub, submission_id) == []

    # When Gladbeck's portal reads its status and its events, and Herten's portal tries to
    status = hub.api.get(f"/v1/submissions/{submission_id}")
    events = hub.api.get(f"/v1/submissions/{submission_id}/events")
    with hub.client(hub.herten_key) as herten:
        foreign = herten.get(f"/v1/submissions/{submission_id}")

    # Then the portal got both, each read recorded with who, which submission and what it showed
    assert status.status_code == 200
    assert status.json()["deliveries"][0]["receipt"]
    assert events.status_code == 200
    newest_first = _reads(hub, submission_id)
    assert [(e.actor, e.target) for e in newest_first] == [("api:portal-gladbeck", submission_id)] * 2
    assert newest_first[1].items == [f"receipt of delivery {delivery_id}"]
    [event_part] = newest_first[0].items
    assert event_part.startswith("event details ")
    assert newest_first[0].detail == {"municipality": GLADBECK, "service": "hundesteuer-anmeldung"}
    # And Herten's portal was refused, and its attempt showed nothing, so nothing is recorded for it
    assert foreign.status_code == 403
    assert foreign.headers["content-type"] == "application/problem+json"
    assert all(e.actor != "api:portal-herten" for e in hub.ctx.audit.list(action=READ_PERSONAL_DATA))


def test_a_status_without_content_records_nothing(hub: RunningHub) -> None:
    # Given a submission whose delivery waits (its destination paused): no receipt, no error text
    hub.ctx.destination_states.pause("gladbeck-fachverfahren", by="cli:root")
    answer = hub.api.post("/v1/submissions", json=sample())
    submission_id = answer.json()["id"]

    # When the portal polls its status and events
    assert hub.api.get(f"/v1/submissions/{submission_id}").json()["deliveries"][0]["receipt"] is None
    assert hub.api.get(f"/v1/submissions/{submission_id}/events").status_code == 200

    # Then no personal data was shown, and no read is recorded
    assert _reads(hub, submission_id) == []


def test_the_console_trace_is_on_record_and_only_admins_list_the_reads(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a submission refused by its receiver (the reason quotes the applicant), a viewer and an admin
    submission_id, delivery_id = _delivered(hub, refuse=True, sim=sim)
    hub.ctx.operators.create("anna", PASSWORD, role="viewer", municipalities=[GLADBECK])
    hub.ctx.operators.create("ida", PASSWORD, role="admin", municipalities=["*"])
    anna, ida = login(hub, "anna"), login(hub, "ida")

    # When each opens the submission's trace
    assert anna.get(f"/console/submissions/{submission_id}").status_code == 200
    assert ida.get(f"/console/submissions/{submission_id}").status_code == 200

    # Then both reads are recorded; the viewer's message was masked, the admin's in clear
    reads = _reads(hub, submission_id)
    assert [e.actor for e in reads] == ["console:ida", "console:anna"]
    assert f"payload of delivery {delivery_id}" in reads[0].items
    assert f"payload of delivery {delivery_id} (masked)" in reads[1].items
    assert any(part.startswith("event details ") for part in reads[1].items)

    # And the admin lists them on the console's audit page, filtered to personal-data reads
    page = ida.get("/console/audit", params={"action": READ_PERSONAL_DATA, "target": submission_id})
    assert page.status_code == 200
    assert page.text.count(f'<tr data-action="{READ_PERSONAL_DATA}">') == 2
    assert "console:anna" in page.text
    assert f"payload of delivery {delivery_id} (masked)" in page.text
    # And the viewer may not see the audit log at all
    assert anna.get("/console/audit", params={"action": READ_PERSONAL_DATA}).status_code == 403


def test_the_operator_api_lists_the_reads_for_admin_keys_only(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a read of a delivered submission by its portal, and API keys with and without the admin role
    submission_id, delivery_id = _delivered(hub)
    hub.api.get(f"/v1/submissions/{submission_id}")
    _, admin_key = hub.ctx.clients.create("dpo-tool", ["*"], roles=["admin"])

    # When the admin key and an operator key (no admin role) ask for the personal-data reads
    query = {"action": READ_PERSONAL_DATA, "target": submission_id}
    with hub.client(admin_key) as admin, hub.client(hub.operator_key) as operator:
        listed = admin.get("/v1/operator/audit", params=query)
        refused = operator.get("/v1/operator/audit", params=query)
        bad = admin.get("/v1/operator/audit", params={"limit": 0})

    # Then the admin gets the read: who, which submission, what, when
    assert listed.status_code == 200, listed.text
    [entry] = listed.json()
    assert entry["actor"] == "api:portal-gladbeck"
    assert (entry["action"], entry["target"]) == (READ_PERSONAL_DATA, submission_id)
    assert entry["items"] == [f"receipt of delivery {delivery_id}"]
    assert entry["at"]
    # And the operator key is refused with problem+json, and a bad filter names its field
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert bad.status_code == 422
    assert "limit" in bad.text
