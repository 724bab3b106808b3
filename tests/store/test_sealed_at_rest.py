"""Encryption at rest, end to end: after the region's samples ran, the database holds none of their
personal strings nor an attachment's bytes (a ``pg_dump`` on PostgreSQL, the file's bytes on SQLite),
and the hub still delivers and shows everything.

Every sample of ``config/emscher-lippe/samples`` is posted once, for the first municipality that
offers it, to the real region wired to the simulators (as in tests/catalogue); the Wohngeld sample
carries a pay slip with distinctive bytes and a personal file name. Then the receivers' own words
quote a person: a back office refuses with an error text naming one, FIT-Connect rejects with
problems naming one (kept in the receipt); neither is in the stored bytes, both are shown by the
API and the console.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from hub.routing import load_region, routed_keys
from hub.schemas import SchemaCatalog
from hub.sim.landscape import Landscape
from hub.store.operator_views import OperatorViews
from hub.store.sealed_columns import PLAINTEXT, status
from hub.store.submissions import SubmissionStore
from tests.catalogue.test_catalogue import REGION, SAMPLES, fast_retries
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.console import PASSWORD, login
from tests.support.waiting import wait_for

PAY_SLIP = b"%PDF-1.4\n% Lohnabrechnung 11/2026 Erika Mustermann netto 1.850,00 EUR q7Zx-ATTACHMENT-BYTES-91c4\n%%EOF\n"
PAY_SLIP_NAME = "Lohnabrechnung_Mustermann.pdf"
# Distinctive personal strings of the samples: names, birth dates, an e-mail address, the file name.
PERSONAL = ["Mustermann", "Musterfrau", "Gabler", "1980-04-12", "1968-11-03", "2015-02-14",
            "erika.mustermann@example.org", "Lohnabrechnung"]  # fmt: skip
# What the receivers answer, quoting a person the samples do not name (ASCII: the console's JSON
# of an event's detail escapes anything else).
QUOTED_PERSON = "Hannelore Quastenflosser-Brinkhaus"


@pytest.fixture(scope="module")
def landscape() -> Iterator[Landscape]:
    region = load_region(REGION)
    with Landscape(SchemaCatalog.from_env(), region.municipalities.values(), offers=routed_keys(region)) as started:
        yield started


@pytest.fixture
def hub(
    database_url: str,
    tmp_path: Path,
    landscape: Landscape,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningHub]:
    for name, value in landscape.environment().items():
        monkeypatch.setenv(name, value)
    # The outcome poller asks FIT-Connect often: a rejection is learnt in a second, not in thirty.
    settings = make_settings(database_url, fast_retries(tmp_path), worker_threads=8, outcome_poll_interval_seconds=0.5)
    running = start_hub(settings)
    yield running
    stop_hub(running)


def samples() -> list[dict[str, Any]]:
    region = load_region(REGION)
    first_offer: dict[str, str] = {}
    for service, ags in sorted(region.routes):
        first_offer.setdefault(service, ags)
    envelopes = []
    for path in sorted(SAMPLES.glob("*.json")):
        envelope: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if envelope["service"] not in first_offer:
            continue
        envelope["municipality"] = first_offer[envelope["service"]]
        if envelope["service"] == "wohngeld-antrag":
            envelope["attachments"].append(
                {"fileName": PAY_SLIP_NAME, "mediaType": "application/pdf",
                 "sha256": hashlib.sha256(PAY_SLIP).hexdigest(), "content": base64.b64encode(PAY_SLIP).decode()}
            )  # fmt: skip
        envelopes.append(envelope)
    return envelopes


def stored_bytes(database_url: str) -> bytes:
    """Everything the database holds: its dump on PostgreSQL, the file and its WAL on SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        files = [Path(url.database), Path(url.database + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    dump = subprocess.run(
        ["pg_dump", "--data-only", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
         "-U", url.username or "postgres", url.database or "postgres"],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    assert b"COPY public.submission" in dump.stdout  # the dump is of the hub's tables
    return dump.stdout


def test_the_samples_are_delivered_and_the_database_holds_none_of_their_personal_data(
    hub: RunningHub, database_url: str
) -> None:
    # Given the region's samples, posted by a portal of the whole region
    _, key = hub.ctx.clients.create("portal-region", ["*"])
    portal = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    ids = []
    for envelope in samples():
        answer = portal.post("/v1/submissions", json=envelope)
        assert answer.status_code == 202, (envelope["service"], answer.text)
        ids.append(answer.json()["id"])
    assert len(ids) >= 12

    # When every one of them is delivered
    def all_delivered() -> list[dict[str, Any]] | None:
        statuses = [portal.get(f"/v1/submissions/{sid}").json() for sid in ids]
        return statuses if all(s["status"] == "delivered" for s in statuses) else None

    wait_for(all_delivered, timeout=120, interval=0.5, what="every sample delivered")

    # Then the stored bytes hold none of the personal strings, nor the pay slip, nor its base64
    stored = stored_bytes(database_url)
    found = [s for s in PERSONAL if s.encode() in stored]
    assert found == []
    assert PAY_SLIP not in stored
    assert b"q7Zx-ATTACHMENT-BYTES" not in stored
    assert base64.b64encode(PAY_SLIP)[:40] not in stored

    # And the hub still shows them in clear: the envelope, the mapped messages, the attachments
    wohngeld = ids[[e["service"] for e in samples()].index("wohngeld-antrag")]
    envelope = SubmissionStore(hub.ctx.db).envelope(wohngeld)
    assert envelope is not None
    assert envelope["applicant"]["familyName"] == "Mustermann"
    messages = OperatorViews(hub.ctx.db).mapped_messages(wohngeld)
    assert messages
    assert all(m.payload and b"Mustermann" in m.payload for m in messages)
    attachments = hub.ctx.deliveries.attachments(wohngeld)
    assert (attachments[-1].file_name, attachments[-1].content) == (PAY_SLIP_NAME, PAY_SLIP)
    portal.close()


def _dead(portal: httpx.Client, submission_id: str) -> dict[str, Any] | None:
    body: dict[str, Any] = portal.get(f"/v1/submissions/{submission_id}").json()
    return body if body["status"] == "failed" and body["deliveries"][0]["state"] == "dead" else None


def test_receivers_answers_quoting_a_person_are_sealed_and_still_shown(
    hub: RunningHub, database_url: str, landscape: Landscape
) -> None:
    # Given a back office that refuses the next message with an error text naming a person, and a
    # FIT-Connect subscriber that rejects, naming one in its problems
    servers = landscape.servers
    backoffice = httpx.Client(base_url=servers["backoffice"].url, timeout=10)
    fitconnect = httpx.Client(base_url=servers["fitconnect"].url, timeout=10)
    refusal = f"Antragsteller {QUOTED_PERSON} ist hier nicht gemeldet"
    backoffice.post("/_sim/faults", json={"mode": "status", "status": 422, "count": 1, "reason": refusal})
    problems = [{"type": "missing-evidence", "title": "Einkommensnachweis fehlt", "detail": f"fuer {QUOTED_PERSON}"}]
    fitconnect.put("/_sim/decision", json={"outcome": "reject", "problems": problems})
    _, key = hub.ctx.clients.create("portal-region", ["*"])
    _, operator_key = hub.ctx.clients.create("ops-region", ["*"], roles=["operator"])
    portal = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    by_service = {e["service"]: e for e in samples()}

    # When a Sperrmüll-Anmeldung (to the back office) and a Wohngeld-Antrag (to FIT-Connect) are sent
    try:
        ids = {}
        for service in ("sperrmuell", "wohngeld-antrag"):
            answer = portal.post("/v1/submissions", json=by_service[service])
            assert answer.status_code == 202, answer.text
            ids[service] = answer.json()["id"]
        refused = wait_for(lambda: _dead(portal, ids["sperrmuell"]), timeout=60, what="the refusal")
        rejected = wait_for(lambda: _dead(portal, ids["wohngeld-antrag"]), timeout=60, what="the rejection")
    finally:
        fitconnect.put("/_sim/decision", json={"outcome": "accept"})
        backoffice.delete("/_sim/faults")

    # Then the stored bytes hold neither the person's name nor any other personal string
    stored = stored_bytes(database_url)
    assert QUOTED_PERSON.encode() not in stored
    assert b"Quastenflosser" not in stored
    assert [s for s in PERSONAL if s.encode() in stored] == []
    # and nothing of the receipts, error texts and event details is left in plaintext
    counts = status(hub.ctx.db)
    assert {c: counts[c][PLAINTEXT] for c in ("delivery.receipt", "delivery.last_error", "event.detail")} == {
        "delivery.receipt": 0,
        "delivery.last_error": 0,
        "event.detail": 0,
    }
    assert counts["delivery.receipt"]["test-1"] == 1  # the rejected Wohngeld-Antrag's
    assert counts["event.detail"]["test-1"] >= 4  # refusal: error, excerpt, reason; delivered: receipt; ...

    # And the API shows the receivers' words in clear: error text, receipt, the events quoting them
    assert QUOTED_PERSON in refused["deliveries"][0]["lastError"]
    assert rejected["deliveries"][0]["receipt"]["problems"] == [f"Einkommensnachweis fehlt: fuer {QUOTED_PERSON}"]
    assert QUOTED_PERSON in rejected["deliveries"][0]["lastError"]
    events = portal.get(f"/v1/submissions/{ids['sperrmuell']}/events").json()["events"]
    [attempt] = [e["detail"] for e in events if e["kind"] == "attempt"]
    assert QUOTED_PERSON in attempt["error"]
    assert QUOTED_PERSON in attempt["responseExcerpt"]
    assert (attempt["outcome"], attempt["statusCode"]) == ("permanent", 422)
    events = portal.get(f"/v1/submissions/{ids['wohngeld-antrag']}/events").json()["events"]
    [dead] = [e["detail"] for e in events if e["kind"] == "dead"]
    assert dead["problems"] == [f"Einkommensnachweis fehlt: fuer {QUOTED_PERSON}"]
    [delivered] = [e["detail"] for e in events if e["kind"] == "delivered"]
    assert delivered["receipt"]["awaitingAcceptance"] is True
    operator = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {operator_key}"}, timeout=30)
    dead_letters = operator.get("/v1/operator/deliveries", params={"state": "dead"}).json()
    assert sum(QUOTED_PERSON in (d["lastError"] or "") for d in dead_letters) == 2

    # And the console's dead letters, filtered by kind without reading the sealed text, and its trace
    hub.ctx.operators.create("ida", PASSWORD, role="admin", municipalities=["*"])
    console = login(hub, "ida")
    assert console.get("/console/dead-letters", params={"error_kind": "refused"}).text.count(QUOTED_PERSON) == 2
    assert QUOTED_PERSON not in console.get("/console/dead-letters", params={"error_kind": "exhausted"}).text
    trace = console.get(f"/console/submissions/{ids['sperrmuell']}").text
    assert refusal in trace
    trace = console.get(f"/console/submissions/{ids['wohngeld-antrag']}").text
    assert QUOTED_PERSON in trace
    for client in (portal, operator, console, backoffice, fitconnect):
        client.close()
