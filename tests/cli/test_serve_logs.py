"""What ``hub serve`` writes to stderr over a full run: every line about a submission carries its
correlation id, and no line carries an applicant's name, address or date of birth.

The hub runs as a real subprocess with production's JSON logs (in-process broker and worker),
delivering to the back-office simulator, which retries one message, refuses another with a reason
that quotes the applicant, and takes the portal's signed status callbacks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.config import PROJECT_ROOT
from hub.store.clients import ClientStore
from hub.store.db import Database
from hub.store.tables import delivery
from tests.support.cli import free_port, hub_env
from tests.support.envelopes import sample
from tests.support.region import GLADBECK
from tests.support.waiting import wait_for


@dataclass(frozen=True)
class Applicant:
    given: str
    family: str
    street: str
    house: str
    postal: str
    city: str
    birth: str

    def secrets(self) -> list[str]:
        day = self.birth.split("-")
        return [self.given, self.family, self.street, f"{self.street} {self.house}", self.postal, self.birth,
                f"{day[2]}.{day[1]}.{day[0]}"]  # fmt: skip

    def envelope(self, **changes: Any) -> dict[str, Any]:
        body = sample(**changes)
        body["applicant"] = {
            "kind": "person", "givenName": self.given, "familyName": self.family, "birthDate": self.birth,
            "address": {"street": self.street, "houseNumber": self.house, "postalCode": self.postal,
                        "city": self.city, "country": "DE"},
        }  # fmt: skip
        return body


APPLICANTS = [
    Applicant("Zofia", "Wąsik-Brzęczyszczykiewicz", "Quellenweg", "77b", "45968", "Gladbeck", "1957-09-23"),
    Applicant("Theodorich", "Ollenschläger", "Kornblumenpfad", "3", "45966", "Gladbeck", "1991-02-28"),
    Applicant("Apollonia", "Hülsewiesche", "Zechenbahntrasse", "101", "45964", "Gladbeck", "1948-12-07"),
]


@pytest.fixture
def served(tmp_path: Path, region_dir: Path, backoffice: Any, sim: httpx.Client) -> Iterator[tuple[str, str, Path]]:
    """``hub serve`` on a SQLite file, stderr captured; yields its URL, a portal key with callbacks, the log."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    db = Database(url)
    db.upgrade()
    callback = f"{backoffice.url}/systems/portal-callbacks/messages"
    _, key = ClientStore(db).create("portal-gladbeck", [GLADBECK], callback_url=callback)
    db.dispose()
    port = free_port()
    env = hub_env(url, region_dir, HUB_LOG_LEVEL="INFO", HUB_LOG_FORMAT="json", HUB_SWEEP_INTERVAL_SECONDS="0.2")
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


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _status(api: httpx.Client, submission_id: str) -> str:
    return str(api.get(f"/v1/submissions/{submission_id}").json()["status"])


def test_logs_of_a_full_run_carry_correlation_ids_and_no_personal_data(
    served: tuple[str, str, Path], sim: httpx.Client, tmp_path: Path
) -> None:
    base, key, log_file = served
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    retried, refused, delivered = APPLICANTS
    refusal = f"Antragstellerin {refused.given} {refused.family}, {refused.street} {refused.house}, unbekannt"

    # Given a run: one delivery retried after a 503, one refused with a reason quoting the applicant,
    # one delivered at once, and one refused at intake (422) for a date of birth in the wrong format
    submissions: dict[str, str] = {}  # submission id -> correlation id
    for n, (applicant, fault) in enumerate([
        (retried, {"mode": "status", "status": 503, "count": 1, "system": "gladbeck"}),
        (refused, {"mode": "status", "status": 400, "count": 1, "system": "gladbeck", "reason": refusal}),
        (delivered, None),
    ]):  # fmt: skip
        if fault is not None:
            sim.post("/_sim/faults", json=fault).raise_for_status()
        correlation_id = f"corr-run-{n}"
        answer = api.post("/v1/submissions", json=applicant.envelope(), headers={"X-Correlation-Id": correlation_id})
        assert answer.status_code == 202, answer.text
        submission_id = str(answer.json()["id"])
        submissions[submission_id] = correlation_id
        wanted = "failed" if applicant is refused else "delivered"
        wait_for(lambda: _status(api, submission_id) == wanted, timeout=20, what=f"submission {n} {wanted}")  # noqa: B023
    bad = retried.envelope()
    bad["applicant"]["birthDate"] = "23.09.1957"
    assert api.post("/v1/submissions", json=bad, headers={"X-Correlation-Id": "corr-run-422"}).status_code == 422

    # ... and every status callback to the portal delivered
    db = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    try:

        def callbacks_done() -> list[Any] | None:
            with db.read() as conn:
                columns = (delivery.c.id, delivery.c.submission_id, delivery.c.kind, delivery.c.state)
                rows = conn.execute(select(*columns)).all()
            pending = [r for r in rows if r.kind == "callback" and r.state != "delivered"]
            return rows if not pending and any(r.kind == "callback" for r in rows) else None

        rows = wait_for(callbacks_done, timeout=20, what="status callbacks delivered")
    finally:
        db.dispose()
    assert sum(r.kind == "callback" for r in rows) >= 3
    owner = {r.id: r.submission_id for r in rows}

    # When the hub's stderr is read
    api.close()
    # (stderr is line-buffered: each line is in the file once its event has happened)
    lines = [line for line in log_file.read_text(encoding="utf-8").splitlines() if line.strip()]

    # Then every line naming one of the submissions (or one of their deliveries) carries its correlation id
    about: dict[str, list[str]] = {}
    for line in lines:
        entry = json.loads(line)  # production's format: one JSON object per line, nothing else
        submission_id = entry.get("submission_id") or owner.get(str(entry.get("delivery_id")))
        if submission_id in submissions:
            assert entry.get("correlation_id") == submissions[submission_id], line
            about.setdefault(submission_id, []).append(entry["event"])
    assert set(about) == set(submissions)
    journey = [e for events in about.values() for e in events]
    assert {"submission_accepted", "delivery_retry", "delivered", "delivery_refused"} <= set(journey), journey
    callback_lines = [json.loads(line) for line in lines if "portal-callback:" in line]
    assert callback_lines
    assert all(entry["correlation_id"] in submissions.values() for entry in callback_lines)

    # And no line anywhere names an applicant, their address or their date of birth
    text = "\n".join(lines).casefold()
    for applicant in APPLICANTS:
        for secret in applicant.secrets():
            assert secret.casefold() not in text, secret
