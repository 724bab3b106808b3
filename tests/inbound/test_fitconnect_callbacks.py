"""FIT-Connect's NEW_SUBMISSIONS callbacks make the running hub poll its destination soon.

The hub runs with its worker (the in-process app) and an inbound poll interval of an hour; after its
first pass nothing would be polled for that hour. The simulator, told the destination's callback
URL and secret, posts a signed NEW_SUBMISSIONS callback when a sender submits: the hub makes the
poll due, its worker polls at its next ask and accepts the submission. A callback with a wrong
signature, a stale timestamp, for an unknown source or of another type is refused with
problem+json and makes nothing due.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import orjson
import pytest
import yaml
from sqlalchemy import select

from hub.service.inbound import JOB
from hub.signing import signed_headers
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from hub.store.tables import scheduled_job
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.inbound import test_fitconnect_subscriber as fc
from tests.support.fitconnect import schema_catalog
from tests.support.region import write_region
from tests.support.waiting import wait_for

CALLBACK_SECRET_ENV = "HUB_TEST_FC_INBOUND_CALLBACK_SECRET"
CALLBACK_SECRET = "fc-new-submissions-7c2d"
NEW_SUBMISSIONS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"
NEW_EVENTS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"


@pytest.fixture(scope="module")
def platform() -> Iterator[tuple[ServerThread, str]]:
    sim = FitConnectSimulator(schema_catalog(), {fc.CLIENT_ID: fc.SECRET})
    destination = sim.state.add_destination("Wohngeldstelle Gladbeck", "055620014014", [fc.LEIKA])
    with ServerThread(sim) as server:
        yield server, destination.destination_id


@pytest.fixture
def running(
    database_url: str, tmp_path: Path, platform: tuple[ServerThread, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[RunningHub, httpx.Client, str]]:
    """The hub with its worker, polling once an hour, its first pass done; the simulator's control."""
    server, destination_id = platform
    monkeypatch.setenv(fc.SECRET_ENV, fc.SECRET)
    monkeypatch.setenv(CALLBACK_SECRET_ENV, CALLBACK_SECRET)
    with httpx.Client(base_url=server.url, timeout=10) as control:
        keys_file = fc.keys_file_of(control, destination_id, tmp_path / "gladbeck.jwks.json")
        directory = write_region(tmp_path / "region", "http://127.0.0.1:9")
        path = directory / "region.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["services"].append(fc.wohngeld_service())
        source = fc.fitconnect_source(server.url, destination_id, keys_file)
        source["settings"]["callbackSecretEnv"] = CALLBACK_SECRET_ENV
        raw["inbound"] = [source]
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        hub = start_hub(make_settings(database_url, directory, inbound_poll_seconds=3600, inbound_lease_seconds=2.0))
        try:
            # The first pass, as the worker's first ask would make it: the next is due in an hour.
            assert not hub.ctx.inbound.poll().busy
            yield hub, control, destination_id
        finally:
            control.put(f"/_sim/destinations/{destination_id}/callback", json={"url": None}).raise_for_status()
            stop_hub(hub)


def _last_started(hub: RunningHub) -> datetime | None:
    with hub.ctx.db.read() as conn:
        found = conn.execute(select(scheduled_job.c.last_started_at).where(scheduled_job.c.name == JOB)).scalar()
    return found if isinstance(found, datetime) else None


def _callback_url(hub: RunningHub, source_id: str = fc.SOURCE_ID) -> str:
    return f"{hub.url}/v1/fit-connect/sources/{source_id}/callbacks"


def test_a_new_submissions_callback_makes_the_running_hub_poll_and_accept(
    running: tuple[RunningHub, httpx.Client, str],
) -> None:
    hub, control, destination_id = running
    callback = {"url": _callback_url(hub), "secret": CALLBACK_SECRET}
    control.put(f"/_sim/destinations/{destination_id}/callback", json=callback).raise_for_status()

    submission_id = fc.send(control, destination_id)

    wait_for(lambda: submission_id in fc.answers(control), timeout=45, what="the poll the callback triggered")
    answer = fc.answers(control)[submission_id]
    assert (answer["event"], answer["verified"]) == ("accept-submission", True)
    [case] = hub.ctx.inbound.recent()
    assert case.external_id == submission_id


@pytest.mark.parametrize(
    ("case", "status"),
    [("wrong-signature", 401), ("stale-timestamp", 401), ("unsigned", 401), ("unknown-source", 404), ("type", 422)],
)
def test_a_refused_callback_makes_no_poll_due(
    running: tuple[RunningHub, httpx.Client, str], case: str, status: int
) -> None:
    hub, _, _ = running
    before = _last_started(hub)
    assert before is not None
    kind = NEW_EVENTS if case == "type" else NEW_SUBMISSIONS
    body = orjson.dumps({"type": kind, "submissionIds": ["4a5d4d5e-0000-4000-8000-000000000001"]})
    secret = "another-secret" if case == "wrong-signature" else CALLBACK_SECRET
    headers = signed_headers(secret, body, int(time.time()) - 301 if case == "stale-timestamp" else None)
    if case == "unsigned":
        headers = {}
    url = _callback_url(hub, "herten-fitconnect" if case == "unknown-source" else fc.SOURCE_ID)

    answer = httpx.post(url, content=body, headers={"Content-Type": "application/json", **headers}, timeout=10)

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    if case == "type":
        assert answer.json()["errors"][0]["pointer"] == "/type"
    assert _last_started(hub) == before
