"""Shared pieces of the xdomea tests: sample envelopes of the region's services and a region with DMS destinations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from tests.support.region import GLADBECK, HERTEN, REAL_CONFIG, write_region

XDOMEA = "urn:xoev-de:xdomea:schema:3.1.0"
X = f"{{{XDOMEA}}}"
DMS_SERVICES = ("hundesteuer-anmeldung", "sperrmuell", "sondernutzung")
"""The services of the test region (tests.support.region); all of them are routed to the DMS."""
ALL_SERVICES = (
    "hundesteuer-anmeldung", "hundesteuer-abmeldung", "sperrmuell", "sondernutzung", "meldebescheinigung",
    "wohnberechtigungsschein", "zaehlerstandsmeldung", "handwerkerparkausweis", "bauantrag",
)  # fmt: skip
"""Every back-office service of the region whose application a DMS would file."""


def sample(service: str) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads((REAL_CONFIG / "samples" / f"{service}.json").read_text(encoding="utf-8"))
    return envelope


def authority(prefix: str, code: str, name: str) -> dict[str, str]:
    return {"prefix": prefix, "code": code, "name": name}


def dms_settings(transport: str, **more: Any) -> dict[str, Any]:
    return {
        "transport": transport,
        "author": authority("psw", "{ags}", "Serviceportal {name}"),
        "reader": authority("dms", "{ags}", "DMS {name}"),
        "timeoutSeconds": 5,
        **more,
    }


def write_dms_region(directory: Path, backoffice_url: str, settings: dict[str, Any]) -> Path:
    """The test region, with every service routed to one ``fachverfahren-xdomea`` destination per town."""
    write_region(directory, backoffice_url)
    path = directory / "region.yaml"
    region = yaml.safe_load(path.read_text(encoding="utf-8"))
    region["destinationTemplates"].append(
        {
            "id": "{slug}-dms",
            "name": "DMS {name}",
            "connector": "fachverfahren-xdomea",
            "standard": "xdomea-3.1.0",
            "settings": settings,
            "retry": {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 1, "jitter": 0, "maxAttempts": 4},
            "concurrency": 4,
            "circuit": {"failureThreshold": 50, "openSeconds": 1},
        }
    )
    region["routes"] = [
        {"service": s, "municipalities": [GLADBECK, HERTEN], "destinations": ["{slug}-dms"]} for s in DMS_SERVICES
    ]
    path.write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    return directory


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
