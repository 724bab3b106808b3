"""Encryption at rest, end to end: after the region's samples ran, the database holds none of their
personal strings nor an attachment's bytes (a ``pg_dump`` on PostgreSQL, the file's bytes on SQLite),
and the hub still delivers and shows everything.

Every sample of ``config/emscher-lippe/samples`` is posted once, for the first municipality that
offers it, to the real region wired to the simulators (as in tests/catalogue); the Wohngeld sample
carries a pay slip with distinctive bytes and a personal file name.
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
from hub.store.submissions import SubmissionStore
from tests.catalogue.test_catalogue import REGION, SAMPLES, fast_retries
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.waiting import wait_for

PAY_SLIP = b"%PDF-1.4\n% Lohnabrechnung 11/2026 Erika Mustermann netto 1.850,00 EUR q7Zx-ATTACHMENT-BYTES-91c4\n%%EOF\n"
PAY_SLIP_NAME = "Lohnabrechnung_Mustermann.pdf"
# Distinctive personal strings of the samples: names, birth dates, an e-mail address, the file name.
PERSONAL = ["Mustermann", "Musterfrau", "Gabler", "1980-04-12", "1968-11-03", "2015-02-14",
            "erika.mustermann@example.org", "Lohnabrechnung"]  # fmt: skip


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
    running = start_hub(make_settings(database_url, fast_retries(tmp_path), worker_threads=8))
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
