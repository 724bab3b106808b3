"""Retention and erasure against the real hub, on SQLite and PostgreSQL.

The test region keeps content 1 s after delivery, 3 s after a dead delivery and the remaining record
1 s after its content went (region.yaml ``retention``), so each step is waited for as a condition.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub.domain.states import EventKind
from hub.store.scheduled_jobs import ScheduledJobs
from hub.store.tables import attachment, delivery, event, submission
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.cli import HubCli, hub_env
from tests.support.envelopes import attachment as attachment_body
from tests.support.envelopes import sample
from tests.support.waiting import wait_for, wait_status
from tests.support.workers import Workers, worker_env

RETENTION = """
retention:
  default: {afterDelivered: 1s, afterDead: 3s, metadata: 1s}
"""
NAME = "Mustermann"


@pytest.fixture
def short_hub(database_url: str, region_dir: Path, sim: httpx.Client) -> Iterator[RunningHub]:
    path = region_dir / "region.yaml"
    path.write_text(path.read_text(encoding="utf-8") + RETENTION, encoding="utf-8")
    # The worker's own purge is off here: the test runs each pass itself (the schedule has its own test).
    running = start_hub(make_settings(database_url, region_dir, purge_interval_seconds=0))
    yield running
    stop_hub(running)


def _row(hub: RunningHub, submission_id: str) -> Any:
    with hub.ctx.db.read() as conn:
        return conn.execute(select(submission).where(submission.c.id == submission_id)).first()


def _purged_events(hub: RunningHub, submission_id: str) -> int:
    with hub.ctx.db.read() as conn:
        query = select(func.count()).where(event.c.submission_id == submission_id, event.c.kind == EventKind.PURGED)
        return int(conn.execute(query).scalar_one())


def _post(hub: RunningHub) -> str:
    envelope = sample("sperrmuell", attachments=[attachment_body(b"%PDF-1.7\n% Lohnabrechnung Mustermann\n")])
    answer = hub.api.post("/v1/submissions", json=envelope)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def _purge_until(hub: RunningHub, done: Any, what: str) -> None:
    def attempt() -> bool:
        hub.ctx.services.retention.run(actor="test")
        return bool(done())

    wait_for(attempt, timeout=20, interval=0.2, what=what)


def test_delivered_content_goes_on_time_dead_after_its_own_period_then_the_record(
    short_hub: RunningHub, sim: httpx.Client
) -> None:
    hub = short_hub
    # Given one submission delivered and one whose delivery went dead (the receiver refused it)
    delivered = _post(hub)
    wait_status(hub, delivered, "delivered")
    sim.post("/_sim/faults", json={"mode": "status", "status": 400, "count": 1, "reason": f"{NAME} unbekannt"})
    dead = _post(hub)
    wait_status(hub, dead, "failed")
    with hub.ctx.db.read() as conn:
        dead_delivery = conn.execute(select(delivery.c.id).where(delivery.c.submission_id == dead)).scalar_one()

    # When the purge runs past the delivered one's period
    _purge_until(hub, lambda: _row(hub, delivered).content_purged_at is not None, "delivered content purged")

    # Then its content is gone, every piece of it, with one purged event; the dead one still has its own
    row = _row(hub, delivered)
    assert row.envelope is None
    assert row.content_purge_reason == "retention"
    with hub.ctx.db.read() as conn:
        files = conn.execute(select(attachment).where(attachment.c.submission_id == delivered)).all()
        sent = conn.execute(select(delivery).where(delivery.c.submission_id == delivered)).all()
        details = conn.execute(select(event.c.detail).where(event.c.submission_id == delivered)).scalars().all()
    assert [(f.content, f.file_name) for f in files] == [(None, "(purged)")]
    assert files[0].sha256
    assert files[0].size
    assert all(d.payload is None and d.receipt is None and d.last_error is None for d in sent)
    assert NAME not in repr(details)
    assert _purged_events(hub, delivered) == 1
    assert _row(hub, dead).envelope is not None
    # And the portal still reads its status
    assert hub.api.get(f"/v1/submissions/{delivered}").json()["status"] == "delivered"

    # When the dead one's own period is over too, its content goes, and its replay is refused with the reason
    _purge_until(hub, lambda: _row(hub, dead).content_purged_at is not None, "dead content purged")
    operator = hub.client(hub.operator_key)
    answer = operator.post("/v1/operator/replay", json={"ids": [dead_delivery]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["replayed"] == []
    (refused,) = answer.json()["refused"]
    assert refused["id"] == dead_delivery
    assert "purged (retention" in refused["reason"]

    # And once the metadata period is over the whole record goes
    _purge_until(hub, lambda: _row(hub, delivered) is None and _row(hub, dead) is None, "records deleted")
    assert hub.api.get(f"/v1/submissions/{delivered}").status_code == 404
    operator.close()


def test_erasure_through_the_api_cancels_what_is_not_delivered_and_is_audited(
    short_hub: RunningHub, sim: httpx.Client
) -> None:
    hub = short_hub
    # Given a submission whose receiver keeps failing (it waits for its next attempt)
    sim.post("/_sim/faults", json={"mode": "status", "status": 503, "count": 100})
    pending = _post(hub)
    wait_for(
        lambda: hub.api.get(f"/v1/submissions/{pending}").json()["deliveries"][0]["attempts"] >= 1,
        what="a first failed attempt",
    )
    _, admin_key = hub.ctx.clients.create("dpo-admin", ["*"], roles=["operator", "admin"])
    admin = hub.client(admin_key)

    # An operator without the admin role may not erase
    refused = hub.client(hub.operator_key).post(f"/v1/operator/submissions/{pending}/erase", json={"reason": "x" * 5})
    assert refused.status_code == 403

    # A body that is not JSON, or no reason, is refused naming the problem, and erases nothing
    garbled = admin.post(
        f"/v1/operator/submissions/{pending}/erase",
        content=b"\xff\x14 not json",
        headers={"Content-Type": "application/json"},
    )
    assert garbled.status_code == 400, garbled.text
    assert garbled.headers["content-type"].startswith("application/problem+json")
    reasonless = admin.post(f"/v1/operator/submissions/{pending}/erase", json={"reasons": "typo"})
    assert reasonless.status_code == 422, reasonless.text
    assert {e["pointer"] for e in reasonless.json()["errors"]} >= {"/reason"}
    assert _row(hub, pending).envelope is not None

    # When an admin erases it
    answer = admin.post(
        f"/v1/operator/submissions/{pending}/erase", json={"reason": "Antrag auf Löschung, Ticket 4711"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["erased"] is True
    assert len(body["cancelled"]) == 1

    # Then its content is gone, its delivery cancelled and never sent, and the erasure is in the audit log
    assert _row(hub, pending).envelope is None
    assert _row(hub, pending).content_purge_reason == "erasure"
    status = hub.api.get(f"/v1/submissions/{pending}").json()
    assert status["status"] == "failed"
    sim.delete("/_sim/faults")
    hub.ctx.sweeper.sweep(stale_after=0)
    assert sim.get("/_sim/messages").json() == []
    (entry,) = hub.ctx.services.queries.audit_entries(action="erase", limit=5)
    assert entry.target == pending
    assert entry.detail["reason"] == "Antrag auf Löschung, Ticket 4711"
    # And a second erasure says the content was already gone; an unknown id is a 404
    again = admin.post(f"/v1/operator/submissions/{pending}/erase", json={"reason": "again"})
    assert again.json()["erased"] is False
    unknown = admin.post("/v1/operator/submissions/00000000-0000-0000-0000-000000000000/erase", json={"reason": "abc"})
    assert unknown.status_code == 404
    admin.close()


def test_the_job_lease_lets_one_process_run_the_purge_at_a_time(short_hub: RunningHub) -> None:
    jobs = ScheduledJobs(short_hub.ctx.db)
    every, lease = timedelta(seconds=60), timedelta(minutes=10)
    now = datetime.now(UTC)
    assert jobs.acquire("retention-purge", "node-a:1", lease=lease, every=every, now=now)
    assert not jobs.acquire("retention-purge", "node-b:2", lease=lease, every=every, now=now)
    jobs.release("retention-purge", "node-a:1", now=now)
    # Released, but not due again before its interval: nobody runs it twice in a row
    assert not jobs.acquire("retention-purge", "node-b:2", lease=lease, every=every, now=now + timedelta(seconds=1))
    assert jobs.acquire("retention-purge", "node-b:2", lease=lease, every=every, now=now + every)
    # A holder that died: its lease runs out and another takes the job
    assert jobs.acquire("retention-purge", "node-a:1", lease=lease, every=every, now=now + every + lease)


def test_two_worker_processes_purge_each_submission_once(
    short_hub: RunningHub, database_url: str, redis_url: str, region_dir: Path, tmp_path: Path
) -> None:
    hub = short_hub
    # Given twenty delivered submissions
    ids = [_post(hub) for _ in range(20)]
    for submission_id in ids:
        wait_status(hub, submission_id, "delivered")

    # When two real worker processes run with the purge every half second
    env = worker_env(database_url, redis_url, region_dir, HUB_PURGE_INTERVAL_SECONDS="0.5", HUB_LOG_LEVEL="INFO")
    workers = Workers(env, tmp_path)
    try:
        first, second = workers.start(threads=1), workers.start(threads=1)
        wait_for(
            lambda: all(_row(hub, s) is None or _row(hub, s).content_purged_at is not None for s in ids),
            timeout=60,
            interval=0.2,
            what="every submission purged by the workers",
        )
        assert first.poll() is None
        assert second.poll() is None
    finally:
        workers.stop_all()

    # Then each was purged exactly once (or, past its metadata period, already deleted with its events)
    counts = [_purged_events(hub, s) for s in ids if _row(hub, s) is not None]
    assert all(c == 1 for c in counts), counts
    passes = hub.ctx.services.queries.audit_entries(action="purge", limit=100)
    assert passes
    assert all(e.actor.startswith("worker:") for e in passes)
    assert sum(len(e.items) for e in passes) == len(ids)


def test_hub_purge_dry_run_and_hub_erase_from_the_command_line(
    short_hub: RunningHub, database_url: str, region_dir: Path
) -> None:
    hub = short_hub
    submission_id = _post(hub)
    wait_status(hub, submission_id, "delivered")
    cli = HubCli(hub_env(database_url, region_dir))

    def listed() -> bool:
        return f"content {submission_id}" in cli.ok("purge", "--dry-run")

    wait_for(listed, timeout=20, interval=0.3, what="the dry run listing the submission")
    assert _row(hub, submission_id).envelope is not None  # a dry run changes nothing

    out = cli.ok("erase", submission_id, "--reason", "Löschantrag vom 2026-12-01", "--yes")
    assert f"{submission_id}: content erased; 0 deliveries cancelled" in out
    assert _row(hub, submission_id).content_purge_reason == "erasure"
    assert "already gone" in cli.ok("erase", submission_id, "--reason", "again", "--yes")
    missing = cli.run("erase", "00000000-0000-0000-0000-000000000000", "--reason", "abc", "--yes")
    assert missing.returncode == 1
    assert "no submission" in missing.stderr
