"""Onboarding a service as data: ``hub services new``, ``hub services check``, then its first delivery.

On a copy of the real region (``config/emscher-lippe``) and of the mapping specs, the real ``hub``
command scaffolds a catalogued service the region does not have yet, routed to the towns' DMS and
Fachverfahren (a fan-out); ``hub services check`` passes; a hub started on that copy, against the
DMS and back-office simulators, delivers the generated sample to both of its body's systems, the
DMS's copy valid xdomea 3.1.0 against the official XSD. No Python or test is edited for the service.
``check`` also reports a broken sample and a missing route as ``file:line`` and exits 1.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import PROJECT_ROOT
from hub.routing import load_region
from hub.schemas import SchemaCatalog
from hub.sim.landscape import Landscape
from hub.sim.registry import discover
from hub.xml import parse_xml
from tests.conftest import make_settings, start_hub, stop_hub
from tests.support.cli import HubCli, describe, hub_env
from tests.support.waiting import wait_for
from tests.xdomea.xdomea_support import X

REGION = PROJECT_ROOT / "config" / "emscher-lippe"
LEIKA = "99110009104000"  # Hundehaltung Anmeldung (TierSchG registration): catalogued, municipal, no form here yet
SLUG = "hundehaltung-anmeldung"


@dataclass(frozen=True)
class Copy:
    config: Path
    mappings: Path
    cli: HubCli


@pytest.fixture(scope="module")
def landscape() -> Iterator[Landscape]:
    found = discover()
    region = load_region(REGION)
    chosen = {"dms": found["dms"], "backoffice": found["backoffice"]}
    with Landscape(SchemaCatalog.from_env(), region.municipalities.values(), simulators=chosen) as running:
        assert running.skipped == {}, running.skipped
        yield running


@pytest.fixture
def copy(tmp_path: Path) -> Copy:
    config, mappings = tmp_path / "emscher-lippe", tmp_path / "mappings"
    shutil.copytree(REGION, config)
    shutil.copytree(PROJECT_ROOT / "mappings", mappings, ignore=shutil.ignore_patterns("__pycache__"))
    env = hub_env(
        f"sqlite:///{tmp_path / 'hub.db'}",
        config,
        HUB_MAPPINGS_DIR=str(mappings),
        HUB_SCHEMA_PATH=os.environ.get("HUB_SCHEMA_PATH", ""),
    )
    return Copy(config, mappings, HubCli(env))


def scaffold(copy: Copy) -> None:
    region = load_region(copy.config)
    assert SLUG not in region.services
    assert LEIKA not in {s.leika for s in region.services.values()}
    out = copy.cli.ok("services", "new", SLUG, "--leika", LEIKA, "--to", "dms", "--to", "fachverfahren")
    assert "Hundehaltung Anmeldung (99110009104000), routed for 13 municipalities" in out, out


def test_a_scaffolded_service_passes_the_check_and_its_sample_is_delivered(
    copy: Copy, landscape: Landscape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a new service scaffolded from the catalogue into the copy
    scaffold(copy)
    original = (REGION / "region.yaml").read_text(encoding="utf-8")
    scaffolded = (copy.config / "region.yaml").read_text(encoding="utf-8")
    assert scaffolded.startswith(original.split("\ndestinationTemplates:")[0])  # comments and entries kept
    assert scaffolded.count("# ") >= original.count("# ")
    region = load_region(copy.config)
    service = region.services[SLUG]
    assert (service.name, service.leika) == ("Hundehaltung Anmeldung", LEIKA)
    generic = region.generic
    assert generic is not None
    offered = generic.offered_by(generic.catalogue.entries[LEIKA])
    assert sorted(ags for (sid, ags) in region.routes if sid == SLUG) == list(offered)

    # Then the checker passes it, with every other service of the region
    checked = copy.cli.run("services", "check", "--config", str(copy.config))
    assert checked.returncode == 0, describe(checked)
    assert f"{len(region.services)} service(s) checked" in checked.stdout
    assert "no problems" in checked.stdout

    # When a hub on the copy receives the generated sample
    for name, value in landscape.environment().items():
        monkeypatch.setenv(name, value)
    for simulator in ("dms", "backoffice"):
        httpx.delete(f"{landscape.servers[simulator].url}/_sim/messages", timeout=30).raise_for_status()
    envelope = json.loads((copy.config / "samples" / f"{SLUG}.json").read_text(encoding="utf-8"))
    hub = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", copy.config, mappings_dir=copy.mappings))
    try:
        _, key = hub.ctx.clients.create("portal-onboarding", ["*"])
        with hub.client(key) as portal:
            answer = portal.post("/v1/submissions", json=envelope)
            assert answer.status_code == 202, answer.text
            submission_id = answer.json()["id"]

            def delivered() -> dict[str, Any] | None:
                status: dict[str, Any] = portal.get(f"/v1/submissions/{submission_id}").json()
                return status if status["status"] == "delivered" else None

            status = wait_for(delivered, timeout=60, interval=0.2, what="the scaffolded sample delivered")
    finally:
        stop_hub(hub)

    # Then it reached both systems of its body: the DMS as valid xdomea 3.1.0, the Fachverfahren as JSON
    slug = region.municipalities[envelope["municipality"]].slug
    assert sorted(d["destination"] for d in status["deliveries"]) == [f"{slug}-dms", f"{slug}-fachverfahren"]
    (filed,) = httpx.get(f"{landscape.servers['dms'].url}/_sim/messages", timeout=30).json()
    assert filed["system"] == slug
    root = parse_xml(filed["xml"].encode())
    assert SchemaCatalog.from_env().validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []
    assert root.findtext(f".//{X}FachverfahrenObjektID") == submission_id
    assert envelope["form"]["request"] in filed["xml"]
    (received,) = httpx.get(f"{landscape.servers['backoffice'].url}/_sim/messages", timeout=30).json()
    body = received["body"] if isinstance(received["body"], dict) else json.loads(received["body"])
    assert received["system"] == slug
    assert body["vorgang"]["leistungsschluessel"] == LEIKA
    assert body["antrag"]["request"] == envelope["form"]["request"]
    assert body["nachricht"]["einreichungId"] == submission_id


def _line(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_the_check_reports_a_broken_sample_and_a_missing_route_by_file_and_line(copy: Copy) -> None:
    # Given the scaffolded service with its sample broken and its route removed
    scaffold(copy)
    sample = copy.config / "samples" / f"{SLUG}.json"
    document = json.loads(sample.read_text(encoding="utf-8"))
    document["form"]["preferredDate"] = "next Tuesday"
    del document["form"]["request"]
    sample.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    region_file = copy.config / "region.yaml"
    text = region_file.read_text(encoding="utf-8")
    start = text.index(f"  # {SLUG}: every body")
    end = text.index("\n", text.index("destinations:", start)) + 1
    region_file.write_text(text[:start] + text[end:], encoding="utf-8")  # the scaffold's route entry, only

    # When the region is checked
    result = copy.cli.run("services", "check")

    # Then each problem is named at its file and line, and the command fails
    assert result.returncode == 1, describe(result)
    problems = result.stdout.splitlines()
    form_line, date_line = _line(sample, '"form"'), _line(sample, "preferredDate")
    assert f"{sample}:{date_line}: /form/preferredDate: " in result.stdout, problems
    assert f"{sample}:{form_line}: /form/request: is required" in result.stdout, problems
    no_route = f"{region_file}:{_line(region_file, f'- id: {SLUG}')}: service '{SLUG}' has no route"
    assert any(line.startswith(no_route) for line in problems), problems
    assert "3 problem(s)" in result.stderr, describe(result)


def test_new_refuses_an_existing_slug_an_unknown_key_and_an_unknown_kind_and_writes_nothing(copy: Copy) -> None:
    before = (copy.config / "region.yaml").read_text(encoding="utf-8")
    existing = next(iter(load_region(copy.config).services))
    refusals = {
        (existing, LEIKA, "dms"): f"the region has a service {existing!r} already",
        (SLUG, "99999999999999", "dms"): "LeiKa key '99999999999999' is not in the catalogue",
        (SLUG, LEIKA, "fax"): "'fax' is not one of 'dms', 'fachverfahren'",
    }
    for (slug, leika, kind), message in refusals.items():
        result = copy.cli.run("services", "new", slug, "--leika", leika, "--to", kind)
        assert result.returncode == 2, describe(result)
        assert message in result.stderr, describe(result)
    assert (copy.config / "region.yaml").read_text(encoding="utf-8") == before
    assert not (copy.config / "forms" / f"{SLUG}.schema.json").exists()
    assert not list(copy.mappings.glob(f"{SLUG}.*"))
