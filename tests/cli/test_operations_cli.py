"""The console's operator actions from the terminal: destinations, pause/resume/reset, dead letters, search, replay.

Real ``hub`` subprocesses on the SQLite file of a hub running in this process; every action must
land in the audit log as ``cli:<OS user>``.
"""

from __future__ import annotations

import getpass
import time

import httpx

from hub.domain.personal_data import READ_PERSONAL_DATA
from tests.cli.test_cli import DESTINATION, refuse_next_call, submit, wait_status
from tests.conftest import RunningHub
from tests.support.cli import HubCli, describe, table_rows
from tests.support.envelopes import sample
from tests.support.region import GLADBECK, HERTEN

ACTOR = f"cli:{getpass.getuser()}"


def audit_actions(running: RunningHub) -> list[tuple[str, str, str | None]]:
    """The operator actions, oldest first (the portal's audited status reads of wait_status left out)."""
    entries = reversed(running.ctx.audit.list())
    return [(e.actor, e.action, e.target) for e in entries if e.action != READ_PERSONAL_DATA]


def test_pause_resume_and_reset_from_the_terminal_hold_and_release_deliveries(
    running: RunningHub, sim: httpx.Client, cli: HubCli
) -> None:
    # Given a running hub whose Gladbeck destination the operator pauses from the terminal
    paused = cli.ok("destinations", "pause", DESTINATION)
    assert f"paused {DESTINATION}" in paused

    # When a submission arrives while paused
    submission_id = submit(running)
    time.sleep(2.0)  # several sweeps and batches: each would have sent it, were it not paused

    # Then it waits unattempted, and the overview says the destination is paused by this user
    view = running.ctx.submissions.get(submission_id)
    assert view is not None
    assert (view.deliveries[0].state, view.deliveries[0].attempts) == ("pending", 0)
    assert sim.get("/_sim/messages").json() == []
    rows = {r[0]: r for r in table_rows(cli.ok("destinations"))}
    assert rows[DESTINATION][1] == "1"  # pending
    assert rows[DESTINATION][6] != "–"  # its oldest waiting age
    assert rows[DESTINATION][8] == f"yes ({ACTOR})"
    assert rows["herten-fachverfahren"][8] == "no"

    # When the operator resumes it and resets its circuit
    resumed = cli.ok("destinations", "resume", DESTINATION)
    reset = cli.ok("destinations", "reset-circuit", DESTINATION)

    # Then the waiting submission is delivered, and each action is in the audit log under the OS user
    assert f"resumed {DESTINATION} (1 waiting)" in resumed
    assert f"circuit of {DESTINATION} reset" in reset
    wait_status(running, submission_id, "delivered")
    assert audit_actions(running) == [
        (ACTOR, "pause", DESTINATION),
        (ACTOR, "resume", DESTINATION),
        (ACTOR, "reset_circuit", DESTINATION),
    ]
    rows = {r[0]: r for r in table_rows(cli.ok("destinations"))}
    assert rows[DESTINATION][1:] == ["0", "0", "0", "1", "0", "–", "closed", "no"]


def test_an_unknown_destination_cannot_be_paused(running: RunningHub, cli: HubCli) -> None:
    # Given a region without a destination 'nowhere'
    # When the operator pauses it
    result = cli.run("destinations", "pause", "nowhere")

    # Then the command fails, saying so, and nothing is stored or audited
    assert result.returncode == 1, describe(result)
    assert "no destination 'nowhere'" in result.stderr
    assert running.ctx.destination_states.all() == {}
    assert audit_actions(running) == []


def test_dead_letters_are_filtered_searched_and_replayed_from_the_terminal(
    running: RunningHub, sim: httpx.Client, cli: HubCli
) -> None:
    # Given one refused (dead) and one delivered Gladbeck submission, each with its own keys
    refuse_next_call(sim)
    dead_answer = running.api.post(
        "/v1/submissions", json=sample(portalReference="GLA-DEAD-1"), headers={"Idempotency-Key": "key-dead-1"}
    )
    assert dead_answer.status_code == 202, dead_answer.text
    dead_id = dead_answer.json()["id"]
    wait_status(running, dead_id, "failed")
    delivered_id = submit(running)
    wait_status(running, delivered_id, "delivered")

    # When the operator lists dead letters with the console's filters and searches submissions
    refused, exhausted, herten, by_reference, by_key, by_id, by_service = cli.ok_all(
        ("deadletters", "list", "--destination", DESTINATION, "--error-kind", "refused", "--service",
         "hundesteuer-anmeldung", "--since", "2020-01-01T00:00:00+00:00"),
        ("deadletters", "list", "--error-kind", "exhausted"),
        ("deadletters", "list", "--municipality", HERTEN),
        ("search", "GLA-DEAD-1"),
        ("search", "key-dead-1"),
        ("search", delivered_id),
        ("search", "--service", "hundesteuer-anmeldung", "--municipality", GLADBECK),
    )  # fmt: skip

    # Then the refused dead letter is listed with its receiver's reason, and only under matching filters
    [letter] = table_rows(refused)
    assert letter[1:6] == [dead_id, DESTINATION, GLADBECK, "hundesteuer-anmeldung", "1"]
    assert letter[7] == "refused"
    assert "Aktenzeichen fehlt" in letter[8]
    assert table_rows(exhausted) == []
    assert table_rows(herten) == []

    # And search finds by portal reference, idempotency key, id, and by service and municipality
    assert [r[0] for r in table_rows(by_reference)] == [dead_id]
    assert [r[:6] for r in table_rows(by_key)] == [
        [dead_id, "hundesteuer-anmeldung", GLADBECK, "failed", "key-dead-1", "GLA-DEAD-1"]
    ]
    assert [(r[0], r[3]) for r in table_rows(by_id)] == [(delivered_id, "delivered")]
    assert {r[0] for r in table_rows(by_service)} == {dead_id, delivered_id}

    # When the operator replays that one dead letter by id
    replayed = cli.ok("replay", letter[0])

    # Then it is delivered by the running hub, and the replay is audited under the OS user
    assert "replayed 1" in replayed
    wait_status(running, dead_id, "delivered")
    assert audit_actions(running) == [(ACTOR, "replay", None)]
    assert running.ctx.audit.list(action="replay")[0].items == [letter[0]]
    assert table_rows(cli.ok("deadletters", "list")) == []


def test_search_without_criteria_is_a_usage_error(cli: HubCli) -> None:
    # Given the hub command
    # When search is called with nothing to search for
    result = cli.run("search")

    # Then it is a usage error that says what to give
    assert result.returncode == 2, describe(result)
    assert "give TEXT" in result.stderr
