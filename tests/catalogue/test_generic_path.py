"""Every catalogued service flows through the generic path: 100 random ones, 13 bodies, their DMS.

The hub runs on the real region (``config/emscher-lippe``: the whole NRW OZG catalogue, the generic
form, the DMS destinations) against the real DMS simulator; 100 catalogued municipal services, drawn
with a printed seed from those without a form of their own, are posted with the generic form for
municipalities drawn across all 13 bodies. Each must be filed in that body's DMS as an xdomea
3.1.0 message valid against the official XSD, naming the service and carrying the application PDF.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from hub.catalogue import ServiceKind
from hub.config import PROJECT_ROOT
from hub.routing import load_region
from hub.routing.generic_path import service_id
from hub.schemas import SchemaCatalog
from hub.sim.landscape import Landscape
from hub.sim.registry import discover
from hub.store.tables import submission
from hub.xml import parse_xml
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import attachment
from tests.support.waiting import wait_for
from tests.xdomea.xdomea_support import X, sha256

REGION = PROJECT_ROOT / "config" / "emscher-lippe"
SERVICES = 100
SEED = int(os.environ.get("HUB_GENERIC_SEED", "20261202"))


@pytest.fixture(scope="module")
def dms() -> Iterator[Landscape]:
    region = load_region(REGION)
    with Landscape(
        SchemaCatalog.from_env(), region.municipalities.values(), simulators={"dms": discover()["dms"]}
    ) as s:
        assert s.skipped == {}, s.skipped
        yield s


@pytest.fixture
def hub(tmp_path: Path, dms: Landscape, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningHub]:
    for name, value in dms.environment().items():
        monkeypatch.setenv(name, value)
    httpx.delete(f"{dms.servers['dms'].url}/_sim/messages", timeout=30).raise_for_status()
    target = tmp_path / "emscher-lippe"
    shutil.copytree(REGION, target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for template in document["destinationTemplates"]:
        template.setdefault("retry", {}).update(initialSeconds=0.2, maxSeconds=1, jitter=0)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    running = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", target, worker_threads=8))
    yield running
    stop_hub(running)


def generic_envelope(leika: str, name: str, ags: str, number: int) -> dict[str, Any]:
    pdf = f"%PDF-1.7\n% Antrag {leika} {number}\n".encode()
    applicant = json.loads((REGION / "samples" / "sperrmuell.json").read_text(encoding="utf-8"))["applicant"]
    return {
        "service": service_id(leika),
        "municipality": ags,
        "portalReference": f"GEN-{number:03d}",
        "applicant": applicant,
        "form": {
            "title": name,
            "sections": [
                {
                    "title": "Angaben zum Antrag",
                    "fields": [
                        {"key": "anliegen", "label": "Ihr Anliegen", "value": f"Antrag Nr. {number}"},
                        {"key": "anzahl", "label": "Anzahl", "value": number},
                        {"key": "eilig", "label": "Eilbedürftig", "value": number % 2 == 0},
                    ],
                }
            ],
            "documents": [
                {"attachment": 0, "fileName": "antrag.pdf", "mediaType": "application/pdf", "role": "antrag"}
            ],
        },
        "attachments": [attachment(pdf, "antrag.pdf")],
    }


def test_100_random_catalogued_services_reach_their_dms_as_valid_xdomea(
    hub: RunningHub, dms: Landscape, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the catalogue's municipal services without a form of their own, and the 13 bodies
    region = load_region(REGION)
    generic = region.generic
    assert generic is not None
    assert len(generic.catalogue) > 4000
    eligible = sorted(generic.catalogue.of_kind(ServiceKind.MUNICIPAL) - set(generic.overridden))
    bodies = sorted(region.municipalities)
    chooser = random.Random(SEED)
    with capsys.disabled():
        print(f"\ngeneric path: seed {SEED} (HUB_GENERIC_SEED)")
    drawn = [(key, bodies[i % len(bodies)]) for i, key in enumerate(chooser.sample(eligible, SERVICES))]
    chooser.shuffle(drawn)
    _, key = hub.ctx.clients.create("portal-generic", ["*"])
    portal = httpx.Client(base_url=str(hub.api.base_url), headers={"Authorization": f"Bearer {key}"}, timeout=30)

    # When each is posted with the generic form
    accepted: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for number, (leika, ags) in enumerate(drawn):
        envelope = generic_envelope(leika, generic.catalogue.entries[leika].name, ags, number)
        answer = portal.post("/v1/submissions", json=envelope)
        assert answer.status_code == 202, (leika, ags, answer.text)
        accepted[answer.json()["id"]] = (leika, ags, envelope)

    # Then each is delivered to its municipality's DMS, and to nothing else
    def all_delivered() -> list[dict[str, Any]] | None:
        statuses = [portal.get(f"/v1/submissions/{sid}").json() for sid in accepted]
        return statuses if all(s["status"] == "delivered" for s in statuses) else None

    statuses = wait_for(all_delivered, timeout=120, interval=0.5, what="100 generic submissions delivered")
    assert statuses is not None
    for status in statuses:
        _, ags, _ = accepted[status["id"]]
        slug = region.municipalities[ags].slug
        assert [d["destination"] for d in status["deliveries"]] == [f"{slug}-dms"]

    # And the DMS filed one valid xdomea 3.1.0 message per submission, in the right body's system
    filed: list[dict[str, Any]] = httpx.get(f"{dms.servers['dms'].url}/_sim/messages", timeout=30).json()
    assert len(filed) == SERVICES
    validator = SchemaCatalog.from_env().validator("xdomea-3.1.0", "xdomea.xsd")
    by_submission = {}
    for message in filed:
        root = parse_xml(message["xml"].encode())
        assert validator.validate(root) == [], message["messageId"]
        by_submission[root.findtext(f".//{X}FachverfahrenObjektID")] = (message, root)
    assert set(by_submission) == set(accepted)
    for submission_id, (leika, ags, envelope) in accepted.items():
        message, root = by_submission[submission_id]
        assert message["system"] == region.municipalities[ags].slug
        text = message["xml"]
        assert f"urn:x-emscher-lippe-hub:formular:{service_id(leika)}" in text
        assert envelope["form"]["sections"][0]["fields"][0]["value"] in text
        (pdf,) = message["files"]
        assert pdf["sha256"] == sha256(base64.b64decode(envelope["attachments"][0]["content"]))
    portal.close()


def test_a_generic_submission_the_catalogue_or_the_form_refuses_names_the_field(hub: RunningHub) -> None:
    region = load_region(REGION)
    generic = region.generic
    assert generic is not None
    _, key = hub.ctx.clients.create("portal-generic", ["*"])
    portal = httpx.Client(base_url=str(hub.api.base_url), headers={"Authorization": f"Bearer {key}"}, timeout=30)
    municipal = sorted(generic.catalogue.of_kind(ServiceKind.MUNICIPAL) - set(generic.overridden))[0]
    federal = sorted(generic.catalogue.of_kind(ServiceKind.FEDERAL))[0]
    own_key, own_services = sorted(generic.overridden.items())[0]

    def problem(envelope: dict[str, Any]) -> dict[str, Any]:
        answer = portal.post("/v1/submissions", json=envelope)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = answer.json()
        return body

    # A federal service is not the municipality's, an overridden key names the service to use
    refused = problem(generic_envelope(federal, "Bund", "05562014", 1))
    assert [e["pointer"] for e in refused["errors"]] == ["/service"]
    detail = problem(generic_envelope(own_key, "eigen", "05562014", 2))["errors"][0]["detail"]
    assert all(repr(service) in detail for service in own_services), detail
    # Without the application as PDF the form is refused at its documents
    envelope = generic_envelope(municipal, "x", "05562014", 3)
    envelope["form"]["documents"][0]["role"] = "nachweis"
    assert any(e["pointer"].startswith("/form/documents") for e in problem(envelope)["errors"])
    # And nothing of the refused ones was stored
    with hub.ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(submission)).scalar_one() == 0

    # The served document names the generic branch with its pattern
    document = portal.get("/openapi.json").json()
    request = document["components"]["schemas"]["SubmissionRequest"]
    assert {"$ref": "#/components/schemas/Submission-catalogued"} in request["oneOf"]
    branch = document["components"]["schemas"]["Submission-catalogued"]
    assert branch["properties"]["service"]["pattern"] == "^leika-[0-9]{14}$"
    examples = document["paths"]["/v1/submissions"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert (
        examples["catalogued"]["value"]["service"] == json.loads(generic.sample.read_text(encoding="utf-8"))["service"]
    )
    portal.close()


def test_the_regions_generic_sample_is_filed_with_all_its_documents(hub: RunningHub, dms: Landscape) -> None:
    # Given the sample region.yaml names for the generic path (the README's example): a Baumfällung
    # in Gladbeck with the application as PDF and a photo
    generic = load_region(REGION).generic
    assert generic is not None
    assert generic.sample is not None
    envelope = json.loads(generic.sample.read_text(encoding="utf-8"))
    _, key = hub.ctx.clients.create("portal-generic", ["*"])
    portal = httpx.Client(base_url=str(hub.api.base_url), headers={"Authorization": f"Bearer {key}"}, timeout=30)

    # When the portal posts it
    answer = portal.post("/v1/submissions", json=envelope)
    assert answer.status_code == 202, answer.text
    status_url = f"/v1/submissions/{answer.json()['id']}"

    def delivered() -> dict[str, Any] | None:
        current: dict[str, Any] = portal.get(status_url).json()
        return current if current["status"] == "delivered" else None

    status = wait_for(delivered, timeout=30, interval=0.2, what="the generic sample delivered")
    assert status is not None

    # Then Gladbeck's DMS has it as valid xdomea 3.1.0, every field and both files in it
    assert [d["destination"] for d in status["deliveries"]] == ["gladbeck-dms"]
    (message,) = httpx.get(f"{dms.servers['dms'].url}/_sim/messages", timeout=30).json()
    root = parse_xml(message["xml"].encode())
    assert SchemaCatalog.from_env().validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []
    for section in envelope["form"]["sections"]:
        for field in section["fields"]:
            assert str(field["value"]).lower() in message["xml"].lower(), field["key"]
    sent = sorted(sha256(base64.b64decode(a["content"])) for a in envelope["attachments"])
    assert sorted(f["sha256"] for f in message["files"]) == sent
    portal.close()
