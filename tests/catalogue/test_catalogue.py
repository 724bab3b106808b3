"""The region's whole catalogue in one run: every service for every municipality that offers it, delivered.

The hub runs on the real region configuration (``config/emscher-lippe``) with every simulator the
region's destinations need started on loopback and wired in through the variables the region reads
(``HUB_BACKOFFICE_URL``, ``HUB_BAUPORTAL_XTA_URL``, ...). Each service's sample is posted once for
each routed municipality; every delivery must end ``delivered`` at the simulator of its destination.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from hub.config import PROJECT_ROOT
from hub.routing import load_region, routed_keys
from hub.schemas import SchemaCatalog
from hub.sim.landscape import Landscape
from hub.sim.sftp import SftpSimulator
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.waiting import wait_for

REGION = PROJECT_ROOT / "config" / "emscher-lippe"
SAMPLES = REGION / "samples"


@pytest.fixture(scope="module")
def landscape() -> Iterator[Landscape]:
    region = load_region(REGION)
    with Landscape(SchemaCatalog.from_env(), region.municipalities.values(), offers=routed_keys(region)) as started:
        assert started.skipped == {}, started.skipped
        yield started


def fast_retries(directory: Path) -> Path:
    """The real region, with retry delays shortened (a transient hiccup must not stall the run)."""
    target = directory / "emscher-lippe"
    shutil.copytree(REGION, target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for template in document["destinationTemplates"]:
        template.setdefault("retry", {}).update(initialSeconds=0.2, maxSeconds=1, jitter=0)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture
def hub(tmp_path: Path, landscape: Landscape, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningHub]:
    for name, value in landscape.environment().items():
        monkeypatch.setenv(name, value)
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", fast_retries(tmp_path), worker_threads=8))
    yield running
    stop_hub(running)


def received_fitconnect(url: str) -> list[dict[str, Any]]:
    submissions: list[dict[str, Any]] = httpx.get(f"{url}/_sim/submissions").json()
    return [s for s in submissions if s["status"] in ("submitted", "accepted")]


def sample(service: str, ags: str) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads((SAMPLES / f"{service}.json").read_text(encoding="utf-8"))
    envelope["municipality"] = ags
    envelope["portalReference"] = f"CAT-{service}-{ags}"
    return envelope


def test_every_service_of_every_municipality_is_accepted_and_delivered(hub: RunningHub, landscape: Landscape) -> None:
    # Given the region's routes: which municipality offers which service, and to which destinations
    region = load_region(REGION)
    routes = sorted(region.routes.items())
    assert len(routes) >= 13 * 1 + 12 * 8
    _, portal_key = hub.ctx.clients.create("portal-region", ["*"])
    portal = httpx.Client(base_url=str(hub.api.base_url), headers={"Authorization": f"Bearer {portal_key}"}, timeout=30)

    # When each service's sample is posted for each municipality that offers it
    accepted: dict[str, tuple[str, str]] = {}
    for (service, ags), _route in routes:
        answer = portal.post("/v1/submissions", json=sample(service, ags))
        assert answer.status_code == 202, (service, ags, answer.text)
        accepted[answer.json()["id"]] = (service, ags)

    # Then every one of them is delivered to every destination of its route
    def all_delivered() -> list[dict[str, Any]] | None:
        statuses = [portal.get(f"/v1/submissions/{sid}").json() for sid in accepted]
        return statuses if all(s["status"] == "delivered" for s in statuses) else None

    statuses = wait_for(all_delivered, timeout=120, interval=0.5, what="the whole catalogue delivered")
    assert statuses is not None
    for status in statuses:
        service, ags = accepted[status["id"]]
        expected = set(region.routes[(service, ags)].destinations)
        assert {d["destination"] for d in status["deliveries"]} == expected, (service, ags)

    # And every kind of receiver was reached, and its simulator holds exactly what was delivered to it
    by_connector = Counter(
        region.destinations[d["destination"]].connector for status in statuses for d in status["deliveries"]
    )
    assert {"fachverfahren-rest", "fachverfahren-soap", "fachverfahren-xdomea", "fachverfahren-filedrop",
            "bauportal-nrw", "gewerbe-nrw", "sozialplattform"} <= set(by_connector)  # fmt: skip
    servers = landscape.servers

    def received(name: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = httpx.get(f"{servers[name].url}/_sim/messages").json()
        return messages

    assert len(received("backoffice")) == by_connector["fachverfahren-rest"]
    assert len(received("soap")) == by_connector["fachverfahren-soap"]
    assert len(received("dms")) == by_connector["fachverfahren-xdomea"]
    xta = received("xta")
    assert len(xta) == by_connector["bauportal-nrw"] + by_connector["gewerbe-nrw"]
    building = {m["reader"] for m in xta if m["reader"].startswith("bau:")}
    assert building == {f"bau:{ags}" for (service, ags), _ in routes if service == "bauantrag"}
    assert len(received_fitconnect(servers["fitconnect"].url)) == by_connector["sozialplattform"]
    sftp = servers["sftp"]
    assert isinstance(sftp, SftpSimulator)
    assert len([p for p in sftp.received() if p.endswith(".json")]) == by_connector["fachverfahren-filedrop"]
    portal.close()
