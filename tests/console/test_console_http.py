"""The operator console over real HTTP: sessions, CSRF, tenancy, roles, masking and the audit log.

Runs on SQLite and PostgreSQL against a real hub and the back-office simulator.
"""

from __future__ import annotations

import httpx

from tests.conftest import RunningHub
from tests.support.console import PASSWORD, csrf_of, hidden_token, login
from tests.support.envelopes import sample
from tests.support.region import GLADBECK, HERTEN
from tests.support.waiting import wait_for

DESTINATION = "gladbeck-fachverfahren"


def submit(hub: RunningHub, key: str, **changes: object) -> str:
    with hub.client(key) as portal:
        answer = portal.post("/v1/submissions", json=sample(**changes))
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def test_login_wrong_password_and_logout_revokes_the_session(hub: RunningHub) -> None:
    # Given an operator account
    hub.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])

    # When someone tries a wrong password
    with httpx.Client(base_url=hub.url, timeout=30) as stranger:
        token = hidden_token(stranger.get("/console/login").text, "login_token")
        refused = stranger.post("/console/login", data={"name": "anna", "password": "nope", "login_token": token})
        # Then the login is refused and no session cookie is set
        assert refused.headers["location"] == "/console/login?failed=1"
        assert "hub_console" not in stranger.cookies
        # And a login without the login form's token is refused outright
        forged = stranger.post("/console/login", data={"name": "anna", "password": PASSWORD})
        assert forged.status_code == 403

    # When anna logs in and then out
    console = login(hub, "anna")
    assert console.get("/console/").status_code == 200
    cookie = console.cookies["hub_console"]
    out = console.post("/console/logout", data={"csrf_token": csrf_of(console)})
    assert out.status_code == 303

    # Then the old session token no longer opens any page: it was revoked on the server
    with httpx.Client(base_url=hub.url, timeout=30, cookies={"hub_console": cookie}) as replayed:
        assert replayed.get("/console/").headers["location"] == "/console/login"
    actions = [e.action for e in hub.ctx.audit.list()]
    assert actions[:3] == ["logout", "login", "login_failed"]


def test_an_action_without_the_session_csrf_token_is_refused_and_changes_nothing(hub: RunningHub) -> None:
    # Given a logged-in operator of Gladbeck
    hub.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    console = login(hub, "anna")

    # When a pause is posted without a CSRF token, and with another session's token
    missing = console.post(f"/console/destinations/{DESTINATION}/pause", data={})
    wrong = console.post(f"/console/destinations/{DESTINATION}/pause", data={"csrf_token": "x" * 43})

    # Then both are refused and the destination is not paused, nor is anything audited
    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert hub.ctx.destination_states.snapshot().paused == frozenset()
    assert [e.action for e in hub.ctx.audit.list()] == ["login"]

    # When it is posted with the session's token
    done = console.post(f"/console/destinations/{DESTINATION}/pause", data={"csrf_token": csrf_of(console)})

    # Then the destination is paused and the audit log names who did it
    assert done.status_code == 303
    assert hub.ctx.destination_states.snapshot().paused == {DESTINATION}
    entry = hub.ctx.audit.list()[0]
    assert (entry.actor, entry.action, entry.target) == ("console:anna", "pause", DESTINATION)


def test_each_console_action_is_audited_with_its_items(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a dead letter of Gladbeck (the back office refused it)
    sim.post("/_sim/faults", json={"mode": "status", "status": 400, "count": 1, "reason": "Aktenzeichen fehlt"})
    submission_id = submit(hub, hub.gladbeck_key)
    dead = wait_for(lambda: hub.ctx.services.queries.deliveries(state="dead"), what="a dead letter")
    hub.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    console = login(hub, "anna")
    token = csrf_of(console)

    # When anna sees the receiver's reason, replays it, pauses, resumes and resets the circuit
    page = console.get("/console/dead-letters", params={"destination": DESTINATION}).text
    assert "Aktenzeichen fehlt" in page
    assert console.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": dead[0].id}).is_redirect
    for action in ("pause", "resume", "reset-circuit"):
        assert console.post(f"/console/destinations/{DESTINATION}/{action}", data={"csrf_token": token}).is_redirect

    # Then the audit log holds each action, newest first, with the replayed item
    entries = hub.ctx.audit.list()
    assert [e.action for e in entries[:4]] == ["reset_circuit", "resume", "pause", "replay"]
    assert all(e.actor == "console:anna" for e in entries[:4])
    assert entries[3].items == [dead[0].id]
    wait_for(lambda: hub.ctx.submissions.get(submission_id).status == "delivered", what="replayed delivery")


def test_an_operator_of_gladbeck_never_sees_herten(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a dead letter each for Gladbeck and Herten, and an operator of Gladbeck only
    sim.post("/_sim/faults", json={"mode": "status", "status": 400, "count": 2, "reason": "abgelehnt"})
    gladbeck = submit(hub, hub.gladbeck_key)
    herten = submit(hub, hub.herten_key, municipality=HERTEN)
    wait_for(lambda: len(hub.ctx.services.queries.deliveries(state="dead")) == 2, what="two dead letters")
    hub.ctx.operators.create("anna", PASSWORD, role="operator", municipalities=[GLADBECK])
    console = login(hub, "anna")

    # When she opens both submissions by URL, lists dead letters, searches and acts on Herten
    own = console.get(f"/console/submissions/{gladbeck}")
    foreign = console.get(f"/console/submissions/{herten}")
    letters = console.get("/console/dead-letters").text
    found = console.get("/console/search", params={"q": herten}).text
    token = csrf_of(console)
    pause = console.post("/console/destinations/herten-fachverfahren/pause", data={"csrf_token": token})
    replay_all = console.post(
        "/console/dead-letters/replay", data={"csrf_token": token, "destination": "herten-fachverfahren"}
    )
    herten_delivery = next(d.id for d in hub.ctx.services.queries.deliveries(state="dead") if d.municipality == HERTEN)
    replay_one = console.post("/console/dead-letters/replay", data={"csrf_token": token, "ids": herten_delivery})

    # Then Herten is not found anywhere (404, not 403), and nothing of it was replayed
    assert own.status_code == 200
    assert foreign.status_code == 404
    assert gladbeck[:8] in letters
    assert herten[:8] not in letters
    assert f"/console/submissions/{herten}" not in found
    assert "Nothing found." in found
    assert pause.status_code == 404
    assert replay_all.status_code == 404
    assert replay_one.headers["location"].endswith("replayed+0")
    assert hub.ctx.destination_states.snapshot().paused == frozenset()
    assert [d.municipality for d in hub.ctx.services.queries.deliveries(state="dead")].count(HERTEN) == 1


def test_personal_data_is_masked_unless_the_role_allows_it_and_viewers_cannot_act(hub: RunningHub) -> None:
    # Given a delivered submission, a viewer and an admin
    submission_id = submit(hub, hub.gladbeck_key)
    wait_for(lambda: hub.ctx.submissions.get(submission_id).status == "delivered", what="delivered")
    hub.ctx.operators.create("vera", PASSWORD, role="viewer", municipalities=[GLADBECK])
    hub.ctx.operators.create("root", PASSWORD, role="admin", municipalities=["*"])
    viewer = login(hub, "vera")
    admin = login(hub, "root")

    # When both open the trace
    masked = viewer.get(f"/console/submissions/{submission_id}").text
    clear = admin.get(f"/console/submissions/{submission_id}").text

    # Then the viewer sees the message's structure and ids but no name, birth date or address
    assert "gemeindeschluessel" in masked
    assert submission_id in masked
    for personal in ("Mustermann", "Erika", "12.04.1980", "Musterstraße", "erika.mustermann@example.org"):
        assert personal not in masked, personal
        assert personal in clear, personal

    # And both see the delivery's validation report (a JSON message: checked by its spec at intake)
    for page_text in (masked, clear):
        assert 'data-testid="validation"' in page_text
        assert "mapped by the fachverfahren-json spec at intake" in page_text

    # And a viewer's action is refused even with a valid CSRF token
    refused = viewer.post(f"/console/destinations/{DESTINATION}/pause", data={"csrf_token": csrf_of(viewer)})
    assert refused.status_code == 403
    assert hub.ctx.destination_states.snapshot().paused == frozenset()
