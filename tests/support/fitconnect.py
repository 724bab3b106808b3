"""The FIT-Connect simulator for tests, and a region whose Gladbeck and Herten reach it.

The services and their LeiKa keys come from the real region: every service it routes to a
``sozialplattform`` destination, with the key its ``services:`` entry records; the simulator's
destinations route exactly those keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.config import PROJECT_ROOT
from hub.routing import load_region
from hub.schemas import SchemaCatalog
from hub.sim.fitconnect import FitConnectSimulator
from hub.sim.kit.server import ServerThread
from tests.support.region import GLADBECK, HERTEN, REAL_CONFIG

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"
CLIENT_ID = "emscher-lippe-hub-test"
CLIENT_SECRET = "fc-client-secret-7d1e0a9b4c"
CALLBACK_SECRET = "fc-callback-secret-52af0c"
CONNECTOR = "sozialplattform"


def _fit_connect_services() -> dict[str, str]:
    """service -> LeiKa key of every service the real region routes over FIT-Connect."""
    region = load_region(REAL_CONFIG)
    routed = {
        route.service
        for route in region.routes.values()
        if any(region.destinations[d].connector == CONNECTOR for d in route.destinations)
    }
    keys = {s: region.services[s].leika for s in sorted(routed)}
    missing = [s for s, key in keys.items() if not key]
    assert not missing, f"services routed over FIT-Connect without a LeiKa key: {missing}"
    return {s: str(key) for s, key in keys.items()}


LEIKA = _fit_connect_services()
"""The real region's LeiKa key of each service it routes over FIT-Connect."""
SERVICES = tuple(LEIKA)


def schema_catalog() -> SchemaCatalog:
    assert STANDARDS.is_dir(), f"the official schema sets are expected in {STANDARDS}"
    return SchemaCatalog.from_path(str(STANDARDS))


@dataclass
class RunningFitConnect:
    sim: FitConnectSimulator
    server: ServerThread
    trust_anchors: Path

    @property
    def url(self) -> str:
        return self.server.url


def start_fitconnect(directory: Path, municipalities: dict[str, str]) -> RunningFitConnect:
    """The simulator with one destination (and its RSA-4096 key) per ARS; its root CA written as PEM."""
    sim = FitConnectSimulator(schema_catalog(), {CLIENT_ID: CLIENT_SECRET})
    for name, ars in municipalities.items():
        sim.state.add_destination(f"Sozialamt {name}", ars, list(LEIKA.values()))
    directory.mkdir(parents=True, exist_ok=True)
    anchors = directory / "fit-connect-roots.pem"
    anchors.write_bytes(sim.state.ca.pem())
    return RunningFitConnect(sim, ServerThread(sim).start(), anchors)


def write_fitconnect_region(directory: Path, fitconnect: RunningFitConnect, **settings: Any) -> Path:
    real = yaml.safe_load((REAL_CONFIG / "region.yaml").read_text(encoding="utf-8"))
    munis = [m for m in real["municipalities"] if m["ags"] in (GLADBECK, HERTEN)]
    services = [
        {**s, **{key: str(REAL_CONFIG / s[key]) for key in ("form", "checks") if s.get(key)}}
        for s in real["services"]
        if s["id"] in SERVICES
    ]
    region = {
        "region": "test",
        "name": "Test region",
        "municipalities": munis,
        "services": services,
        "destinationTemplates": [
            {
                "id": "{slug}-sozialplattform",
                "name": "Sozialplattform {name}",
                "connector": "sozialplattform",
                "standard": "fit-connect-json",
                "settings": {
                    "tokenUrl": f"{fitconnect.url}/token",
                    "routingUrl": f"{fitconnect.url}/routing",
                    "submissionUrl": f"{fitconnect.url}/submission",
                    "clientId": CLIENT_ID,
                    "clientSecretEnv": "HUB_TEST_FITCONNECT_SECRET",
                    "callbackSecretEnv": "HUB_TEST_FITCONNECT_CALLBACK_SECRET",
                    "trustAnchorsFile": str(fitconnect.trust_anchors),
                    "ars": "{ars}",
                    "timeoutSeconds": 5,
                    **settings,
                },
                "retry": {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 1, "jitter": 0, "maxAttempts": 5},
                "circuit": {"failureThreshold": 50, "openSeconds": 1},
            }
        ],
        "routes": [
            {"service": s, "municipalities": [GLADBECK, HERTEN], "destinations": ["{slug}-sozialplattform"]}
            for s in SERVICES
        ],
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "region.yaml").write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    return directory
