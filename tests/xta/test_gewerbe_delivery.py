"""Gewerbe-Anmeldung end to end: portal → hub → XGewerbeanzeige 2.2 over XTA 2 → the XTA simulator.

The hub runs on a copy of the region's configuration to which this test adds what the lead will wire
into ``region.yaml``: the three Gewerbe services (their real forms), a ``gewerbe-nrw`` destination
template pointing at the simulator and the routes for the towns. Mapping specs are the project's
(``mappings/gewerbe-*.xgewerbeanzeige-2.2.yaml``); the catalog has no XGewerbeanzeige set, so the
message is built in spec order and checked here against the KoSIT sample's shape.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree

from hub.config import PROJECT_ROOT
from hub.sim.kit.server import ServerThread
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.region import GLADBECK
from tests.support.rows import row_counts
from tests.support.waiting import wait_for
from tests.xta.gewerbe_support import XGA, sample

SERVICES = ("gewerbe-anmeldung", "gewerbe-ummeldung", "gewerbe-abmeldung")
SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "gewerbe-anmeldung.json"
XGA_22 = XGA.format("2.2")


def gewerbe_template(xta_url: str) -> dict[str, Any]:
    return {
        "id": "{slug}-gewerbe",
        "name": "Gewerbeserviceportal.NRW – Gewerbeamt {name}",
        "connector": "gewerbe-nrw",
        "standard": "xgewerbeanzeige-2.2",
        "settings": {
            "baseUrl": f"{xta_url}/xta",
            "account": {"identifier": "dvdv:05562000-integrationshub", "name": "Integrationshub Emscher-Lippe"},
            "reader": {"prefix": "gwa", "code": "05000000", "name": "Gewerbeserviceportal.NRW"},
            "messagePrefix": "alg",
            "gewerbeamt": {
                "prefix": "MELDID",
                "code": "{ags}",
                "name": "Gewerbeamt {name}",
                "contacts": [{"channel": "email", "value": "gewerbe@{slug}.example"}],
            },
            "timeoutSeconds": 10,
            "leaseSeconds": 70,
        },
        "retry": {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 1, "jitter": 0, "maxAttempts": 3},
        "concurrency": 4,
        "circuit": {"failureThreshold": 5, "openSeconds": 60},
    }


def region_with_gewerbe(directory: Path, xta_url: str) -> Path:
    target = directory / "emscher-lippe"
    shutil.copytree(PROJECT_ROOT / "config" / "emscher-lippe", target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = {s["id"] for s in document["services"]}
    for service in SERVICES:
        if service not in known:
            name = service.replace("gewerbe-", "Gewerbe – ").title()
            document["services"].append(
                {
                    "id": service,
                    "name": name,
                    "form": f"forms/{service}.schema.json",
                    "leika": None,
                    "leikaSource": None,
                }
            )
    document["destinationTemplates"] = [t for t in document["destinationTemplates"] if t["id"] != "{slug}-gewerbe"]
    document["destinationTemplates"].append(gewerbe_template(xta_url))
    document["routes"] = [r for r in document["routes"] if r["service"] not in SERVICES]
    document["routes"] += [
        {"service": service, "municipalities": [GLADBECK], "destinations": ["{slug}-gewerbe"]} for service in SERVICES
    ]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture
def hub(tmp_path: Path, xta_server: ServerThread, sim: httpx.Client) -> Iterator[RunningHub]:
    running = start_hub(
        make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region_with_gewerbe(tmp_path, xta_server.url))
    )
    yield running
    stop_hub(running)


def anmeldung() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return loaded


def stored_messages(sim: httpx.Client) -> list[dict[str, Any]]:
    answer = sim.get("/_sim/messages")
    answer.raise_for_status()
    messages: list[dict[str, Any]] = answer.json()
    return messages


def element_paths(element: Any, at: str = "") -> set[str]:
    """Local-name paths of ``element`` and its descendants, from ``element`` down."""
    here = f"{at}/{etree.QName(element).localname}" if at else etree.QName(element).localname
    found = {here}
    for child in element.iterchildren(etree.Element):
        found |= element_paths(child, here)
    return found


def test_a_gewerbe_anmeldung_arrives_as_a_gewerbemeldung_with_a_green_report(
    hub: RunningHub, sim: httpx.Client
) -> None:
    # Given Gladbeck's Gewerbe destination (alg. messages), served by the XTA simulator
    # When the region's Gewerbe-Anmeldung sample is posted
    answer = hub.api.post("/v1/submissions", json=anmeldung())
    assert answer.status_code == 202, answer.text
    submission_id = answer.json()["id"]

    # Then it is delivered once, with a green transport report
    def delivered() -> dict[str, Any] | None:
        body: dict[str, Any] = hub.api.get(f"/v1/submissions/{submission_id}").json()
        return body if body["status"] == "delivered" else None

    status = wait_for(delivered, timeout=15, what="the Gewerbe-Anmeldung delivered")
    assert status is not None
    (delivery,) = status["deliveries"]
    assert delivery["destination"] == "gladbeck-gewerbe"
    assert delivery["attempts"] == 1
    assert delivery["receipt"]["reportStatus"] == "GREEN"

    # And the simulator holds one alg.gewerbemeldung.0300 for the portal, from Gladbeck's Gewerbeamt
    (stored,) = stored_messages(sim)
    assert stored["report"] == "GREEN"
    root = etree.fromstring(base64.b64decode(stored["message"]["data"]))
    ns = {"xga": XGA_22}
    assert root.tag == f"{{{XGA_22}}}alg.gewerbemeldung.0300"
    assert (
        root.findtext("xga:nachrichtenkopf/xga:identifikation.nachricht/xga:nachrichtenUUID", namespaces=ns)
        == (delivery["messageId"])
    )
    assert root.findtext("xga:nachrichtenkopf/xga:identifikation.nachricht/xga:nachrichtentyp/code", namespaces=ns) == (
        "0300"
    )
    satz = root.find("xga:satz/xga:anmeldung", ns)
    assert satz is not None
    assert satz.findtext("xga:autor/xga:behoerdenkennung/xga:kennung/code", namespaces=ns) == GLADBECK
    assert satz.findtext("xga:gemeindeSchluessel/code", namespaces=ns) == GLADBECK
    assert satz.findtext("xga:gewerbebetriebID", namespaces=ns) == submission_id
    assert satz.findtext("xga:gewerbe/xga:beteiligtePerson/xga:geburtsdatum", namespaces=ns) == "12041980"
    # with every element a path of the KoSIT 2.2 Anmeldung has (the sample's record is a superset here)
    reference = sample("xgwa2.2-valid.xml").find("xga:satz/xga:anmeldung", ns)
    extra = element_paths(satz) - element_paths(reference)
    assert extra == {"anmeldung/gewerbe/betrieb/geschaeftsbezeichnung", "anmeldung/gewerbe/erreichbarkeit",
                     "anmeldung/gewerbe/erreichbarkeit/kanal", "anmeldung/gewerbe/erreichbarkeit/kanal/code",
                     "anmeldung/gewerbe/erreichbarkeit/kennung"}  # fmt: skip


def test_an_invalid_gewerbe_anmeldung_is_a_422_naming_the_field_and_stores_nothing(
    hub: RunningHub, sim: httpx.Client
) -> None:
    # Given a Gewerbe-Anmeldung whose main activity has a WZ key of four digits instead of five
    broken = anmeldung()
    broken["form"]["activities"]["main"]["key"] = "9602"
    before = row_counts(hub)

    # When it is posted
    answer = hub.api.post("/v1/submissions", json=broken)

    # Then the hub answers 422 with the field's pointer, and nothing is stored or sent
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert pointers == {"/form/activities/main/key"}, answer.json()
    assert row_counts(hub) == before
    assert stored_messages(sim) == []


def test_a_person_without_a_family_name_is_a_422_naming_the_persons_field(hub: RunningHub, sim: httpx.Client) -> None:
    # Given a Gewerbe-Anmeldung whose person lacks the family name (the form and the record need it)
    broken = anmeldung()
    del broken["form"]["persons"][0]["familyName"]

    # When it is posted
    answer = hub.api.post("/v1/submissions", json=broken)

    # Then the pointer names the person's field
    assert answer.status_code == 422, answer.text
    assert "/form/persons/0/familyName" in {e["pointer"] for e in answer.json()["errors"]}
    assert stored_messages(sim) == []
