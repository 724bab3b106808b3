"""The ``hub`` command run as a real subprocess on a SQLite file, as an operator runs it.

The repair story is the point: a delivery the back office refused is found, inspected and
replayed from the terminal while a hub keeps running, and that hub's sweeper delivers it.
"""

from __future__ import annotations

import json

import httpx
from sqlalchemy import inspect

from hub.store.clients import ClientStore
from hub.store.db import Database
from hub.store.tables import metadata
from tests.conftest import RunningHub
from tests.support.cli import HubCli, describe, table_rows
from tests.support.envelopes import sample
from tests.support.region import GLADBECK
from tests.support.waiting import wait_status

COMMANDS = (
    "serve",
    "worker",
    "demo",
    "db",
    "clients",
    "submission",
    "deliveries",
    "replay",
    "sim",
    "destinations",
    "deadletters",
    "search",
)
DESTINATION = "gladbeck-fachverfahren"


def submit(hub: RunningHub) -> str:
    answer = hub.api.post("/v1/submissions", json=sample())
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def refuse_next_call(sim: httpx.Client) -> None:
    fault = {"mode": "status", "status": 400, "count": 1, "reason": "Aktenzeichen fehlt"}
    sim.post("/_sim/faults", json=fault).raise_for_status()


def test_help_lists_every_command_and_subcommand_help_works(cli: HubCli) -> None:
    # Given the hub command
    # When its help is asked for
    top = cli.ok("--help")

    # Then every command is listed, and the help of worker and replay works too
    listed = {row.split()[0] for row in top.split("Commands:", 1)[1].splitlines() if row.strip()}
    assert set(COMMANDS) <= listed, top
    assert "--threads" in cli.ok("worker", "--help")
    replay_help = cli.ok("replay", "--help")
    assert "--destination" in replay_help
    assert "--since" in replay_help


def test_db_upgrade_and_a_created_client_key_authenticates(cli: HubCli, sqlite_url: str) -> None:
    # Given an empty database file
    # When the schema is upgraded and a client for Gladbeck is created
    cli.ok("db", "upgrade")
    created = cli.ok("clients", "create", "portal-x", "-m", GLADBECK)

    # Then every table exists, and the printed key authenticates as that client
    db = Database(sqlite_url)
    try:
        assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
        key = created.split("API key (shown once):", 1)[1].split()[0]
        client = ClientStore(db).authenticate(key)
        assert client is not None, created
        assert client.name == "portal-x"
        assert client.municipalities == frozenset({GLADBECK})
        assert client.id in created
    finally:
        db.dispose()

    # And the client list shows it
    rows = table_rows(cli.ok("clients", "list"))
    assert [(r[0], r[1], r[3]) for r in rows] == [("portal-x", client.id, GLADBECK)]


def test_a_client_for_an_unknown_ags_is_a_usage_error(cli: HubCli, sqlite_url: str) -> None:
    # Given a region that does not know the AGS 05999999
    # When a client is created for it
    result = cli.run("clients", "create", "portal-y", "-m", "05999999")

    # Then the command fails as a usage error naming the parameter and the AGS, creating nothing
    assert result.returncode == 2, describe(result)
    assert "--municipality" in result.stderr
    assert "05999999" in result.stderr
    # (the AGS is checked against the region before the database is even touched)
    db = Database(sqlite_url)
    try:
        db.upgrade()
        assert ClientStore(db).list() == []
    finally:
        db.dispose()


def test_replay_without_ids_or_destination_is_a_usage_error(cli: HubCli) -> None:
    # Given the hub command
    # When replay is called without saying what to replay
    result = cli.run("replay")

    # Then it is a usage error that says what to give
    assert result.returncode == 2, describe(result)
    assert "give delivery ids or --destination" in result.stderr


def test_a_dead_letter_is_found_inspected_and_replayed_from_the_terminal(
    running: RunningHub, sim: httpx.Client, cli: HubCli
) -> None:
    # Given a running hub whose back office refuses the next message with 400
    refuse_next_call(sim)

    # When a submission is made, its delivery is dead
    submission_id = submit(running)
    wait_status(running, submission_id, "failed")
    view = running.ctx.submissions.get(submission_id)
    assert view is not None
    delivery_id = view.deliveries[0].id

    # When the operator looks at the dead letters and the submission from the terminal
    listed, shown, shown_json = cli.ok_all(
        ("deliveries", "list", "--state", "dead"),
        ("submission", "show", submission_id),
        ("submission", "show", submission_id, "--json"),
    )

    # Then the dead letters list shows it with its destination and the receiver's reason
    dead = table_rows(listed)
    assert [r[:5] for r in dead] == [[delivery_id, submission_id, DESTINATION, "dead", "1"]]
    assert "Aktenzeichen fehlt" in dead[0][5]

    # And the submission shows as failed with its event log
    assert f"{submission_id} hundesteuer-anmeldung for {GLADBECK}: failed" in shown
    kinds = [r[2] for r in table_rows(shown) if len(r) == 4]
    assert kinds[:2] == ["received", "routed"]
    assert {"attempt", "dead", "status_changed"} <= set(kinds)

    # And the same as JSON
    as_json = json.loads(shown_json)
    assert as_json["id"] == submission_id
    assert as_json["status"] == "failed"
    assert [(d["id"], d["state"]) for d in as_json["deliveries"]] == [(delivery_id, "dead")]
    assert "dead" in [e["kind"] for e in as_json["events"]]

    # When the operator replays the destination's dead letters after the receiver was fixed
    replayed = cli.ok("replay", "--destination", DESTINATION)

    # Then one delivery is replayed, and the running hub's sweeper delivers it
    assert "replayed 1" in replayed, replayed
    assert delivery_id in replayed
    status = wait_status(running, submission_id, "delivered")
    assert status["deliveries"][0]["attempts"] == 1
    events = running.ctx.submissions.events(submission_id)
    kinds = [e.kind for e in events]
    assert kinds.index("dead") < kinds.index("replayed") < kinds.index("delivered")
    assert next(e for e in events if e.kind == "replayed").detail["by"].startswith("cli:")
    assert len(sim.get("/_sim/messages").json()) == 1
    assert running.ctx.services.queries.deliveries(state="dead") == []


def test_an_unknown_submission_is_an_error(cli: HubCli) -> None:
    # Given a migrated database
    cli.ok("db", "upgrade")

    # When a submission that does not exist is shown
    result = cli.run("submission", "show", "no-such-id")

    # Then the command fails and says so
    assert result.returncode == 1, describe(result)
    assert "no submission no-such-id" in result.stderr


def test_destinations_shows_the_backlog_per_destination(
    running: RunningHub,
    sim: httpx.Client,
    cli: HubCli,
) -> None:
    # Given one submission refused by the back office and one delivered afterwards
    refuse_next_call(sim)
    wait_status(running, submit(running), "failed")
    wait_status(running, submit(running), "delivered")

    # When the operator looks at the destinations
    output = cli.ok("destinations")

    # Then the table has the destination with its counts per state
    header = next(line for line in output.splitlines() if "destination" in line)
    assert [h.strip() for h in header.strip().strip("┃").split("┃")] == [
        "destination",
        "pending",
        "retrying",
        "in_flight",
        "delivered",
        "dead",
        "oldest waiting",
        "circuit",
        "paused",
    ]
    rows = {r[0]: r for r in table_rows(output)}
    assert rows[DESTINATION] == [DESTINATION, "0", "0", "0", "1", "1", "–", "closed", "no"]
    assert rows["herten-fachverfahren"][1:6] == ["0", "0", "0", "0", "0"]
