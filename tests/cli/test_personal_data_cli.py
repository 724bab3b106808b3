"""``hub submission show`` is a personal-data read on record, and ``hub audit list --action read-personal-data``
lists such reads by submission: real ``hub`` subprocesses on the SQLite file of a running hub."""

from __future__ import annotations

import getpass
import json

import httpx

from hub.domain.personal_data import READ_PERSONAL_DATA
from tests.cli.test_cli import refuse_next_call, submit
from tests.conftest import RunningHub
from tests.support.cli import HubCli, table_rows
from tests.support.waiting import wait_for

ACTOR = f"cli:{getpass.getuser()}"


def test_submission_show_is_on_record_and_audit_list_filters_and_prints_the_reads(
    running: RunningHub, sim: httpx.Client, cli: HubCli
) -> None:
    # Given a submission refused by its receiver (a reason that may quote the applicant) and a delivered one
    refuse_next_call(sim)
    refused = submit(running)
    wait_for(lambda: running.ctx.submissions.get(refused).status == "failed", what="the refusal")
    delivered = submit(running)
    wait_for(lambda: running.ctx.submissions.get(delivered).status == "delivered", what="the delivery")
    [refused_delivery] = running.ctx.submissions.get(refused).deliveries

    # When the operator inspects the refused one from the terminal
    shown = cli.ok("submission", "show", refused)

    # Then the terminal showed the reason, and the read is on record under the OS user, with what it showed
    assert "Aktenzeichen fehlt" in shown
    [entry] = running.ctx.audit.list(action=READ_PERSONAL_DATA)
    assert (entry.actor, entry.target) == (ACTOR, refused)
    assert f"error text of delivery {refused_delivery.id}" in entry.items
    assert any(part.startswith("event details ") for part in entry.items)

    # When an admin lists the personal-data reads of that submission, of the other one, and as a table
    as_json = cli.ok("audit", "list", "--action", READ_PERSONAL_DATA, "--submission", refused, "--json")
    other = cli.ok("audit", "list", "--action", READ_PERSONAL_DATA, "--submission", delivered, "--json")
    table = cli.ok("audit", "list", "--action", READ_PERSONAL_DATA)

    # Then exactly that read is listed, with who, which submission and what; the other has none
    [listed] = [json.loads(line) for line in as_json.splitlines()]
    assert (listed["actor"], listed["action"], listed["target"]) == (ACTOR, READ_PERSONAL_DATA, refused)
    assert listed["items"] == entry.items
    assert listed["at"]
    assert listed["detail"]["municipality"] == running.ctx.submissions.get(refused).municipality
    assert other.strip() == ""
    [row] = table_rows(table)
    assert row[1:4] == [ACTOR, READ_PERSONAL_DATA, refused]
    assert f"error text of delivery {refused_delivery.id}" in row[4]
    # And listing the audit log is not itself a read of anyone's data
    assert len(running.ctx.audit.list(action=READ_PERSONAL_DATA)) == 1
