"""Log lines of failed SQL statements: JSON like every other line, and without the values bound.

``hub serve`` runs as a real subprocess on the real PostgreSQL with production's JSON logs; a
check constraint the test adds to the submission table makes PostgreSQL refuse the INSERT of a
submission with a long portal reference, and its error's DETAIL quotes the whole row (intake itself
lets no such value through to the database: a NUL, which jsonb cannot hold, is a 422 by now, see
tests/api/test_nul_characters.py). A dramatiq worker process with the hub's logging meets a
duplicate key whose error text quotes the key. Neither process may write the marker anywhere.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from hub.config import PROJECT_ROOT
from hub.store.clients import ClientStore
from hub.store.db import Database
from tests.conftest import _truncate
from tests.support.cli import CLI_TIMEOUT_SECONDS, clean_environ, free_port, hub_env
from tests.support.envelopes import attachment, sample
from tests.support.region import GLADBECK
from tests.support.waiting import wait_for

MARKER = "Quxbertine-7d41c9"
"""Stands for an applicant's name or an attachment's name: recognisable, in no code or config."""


def _json_lines(text: str) -> list[dict[str, Any]]:
    """Every non-empty line as a JSON object (json.loads fails the test on any other line)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _assert_shape(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        assert {"event", "level", "logger", "timestamp"} <= set(entry), entry


PROBE_CONSTRAINT = "probe_short_portal_reference"
"""Refuses a portal reference of 20 characters or more: the marker's (21) but not the sample's (15)."""


@pytest.fixture
def served_on_postgres(postgres_url: str, region_dir: Path, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """``hub serve`` on PostgreSQL, stderr to a file; yields its URL, a portal key and the log file."""
    _truncate(postgres_url)
    db = Database(postgres_url)
    _, key = ClientStore(db).create("portal-gladbeck", [GLADBECK])
    with db.write() as conn:
        conn.execute(
            text(f"ALTER TABLE submission ADD CONSTRAINT {PROBE_CONSTRAINT} CHECK (char_length(portal_reference) < 20)")
        )
    port = free_port()
    env = hub_env(postgres_url, region_dir, HUB_LOG_LEVEL="INFO", HUB_LOG_FORMAT="json")
    log_file = tmp_path / "stderr.log"
    with log_file.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--port", str(port)],
            env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), timeout=30, what="hub serve answering")
        yield base, key, log_file
    finally:
        process.terminate()
        process.wait(timeout=30)
        with db.write() as conn:
            conn.execute(text(f"ALTER TABLE submission DROP CONSTRAINT IF EXISTS {PROBE_CONSTRAINT}"))
        db.dispose()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_a_failed_insert_is_logged_as_json_without_the_values_it_bound(
    served_on_postgres: tuple[str, str, Path],
) -> None:
    base, key, log_file = served_on_postgres
    # Given a submission whose portal reference the database refuses, with the marker in its
    # names (applicant, attachment, portal reference): bound parameters of the failing INSERT
    body = sample(portalReference=f"GLA-{MARKER}", attachments=[attachment(name=f"{MARKER}.pdf")])
    body["applicant"]["familyName"] = MARKER

    # When the portal posts it
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as api:
        answer = api.post("/v1/submissions", json=body, headers={"X-Correlation-Id": "corr-nul"})
        # ... and a healthy one after it, on the same keep-alive connection
        assert api.post("/v1/submissions", json=sample()).status_code == 202

    # Then the hub answers with a problem, not with the error's text
    assert answer.status_code == 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert MARKER not in answer.text

    # ... stderr holds only JSON lines of the one shape, the failure among them by its class and SQLSTATE
    def failure_logged() -> list[dict[str, Any]]:
        entries = _json_lines(log_file.read_text(encoding="utf-8"))
        return entries if any(e["event"] == "request_failed" for e in entries) else []

    entries = wait_for(failure_logged, timeout=20, what="the failed request logged")
    _assert_shape(entries)
    failed = next(e for e in entries if e["event"] == "request_failed")
    assert failed["correlation_id"] == "corr-nul"
    assert "IntegrityError" in failed["error"], failed
    assert "sqlstate=23514" in failed["error"], failed
    assert f"constraint={PROBE_CONSTRAINT}" in failed["error"], failed
    assert "sqlstate=23514" in failed["exception"]  # the traceback, reduced the same way

    # ... and the marker (a bound parameter, a field of the body) is nowhere in it
    text = log_file.read_text(encoding="utf-8")
    assert MARKER not in text
    assert "[parameters" not in text
    assert "INSERT INTO" not in text


def test_dramatiq_logs_a_failed_actor_as_json_without_the_values_its_sql_bound(postgres_url: str) -> None:
    # When a dramatiq worker with the hub's logging runs an actor whose INSERT violates a key
    # holding the marker (PostgreSQL's error text quotes the key)
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.dramatiq_failure", postgres_url, MARKER],
        env=clean_environ(), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    # Then dramatiq's line about it is JSON of the hub's shape, with the error's class and SQLSTATE
    entries = _json_lines(result.stderr)
    _assert_shape(entries)
    failures = [e for e in entries if e["logger"].startswith("dramatiq.") and e["level"] == "error"]
    assert len(failures) == 1, entries
    assert "Failed to process message" in failures[0]["event"]
    assert "UniqueViolation (sqlstate=23505" in failures[0]["exception"]
    assert "constraint=probe_pkey" in failures[0]["exception"]
    # ... and the value the statement bound is nowhere on stderr
    assert MARKER not in result.stderr
