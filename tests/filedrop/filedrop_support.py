"""Shared values of the file-drop tests: the SFTP login, destination settings, a region routing to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.sim.sftp import SftpSimulator
from tests.support.region import write_region

USER = "hub"
PASSWORD = "drop-secret"  # the simulator's test login
PASSWORD_ENV = "HUB_TEST_SFTP_PASSWORD"
SERVICE = "hundesteuer-anmeldung"
UNUSED_BACKOFFICE = "http://127.0.0.1:9"
"""The REST template of the other services is never used here: only the file-drop route is exercised."""


def sftp_settings(sftp: SftpSimulator, folder: str, **overrides: Any) -> dict[str, Any]:
    """Settings of a destination dropping into ``folder`` under the simulator's root, host key pinned."""
    return {
        "target": f"{sftp.url}/{folder}",
        "auth": {"username": USER, "passwordEnv": PASSWORD_ENV},
        "hostKey": sftp.host_public_key,
        "timeoutSeconds": 3,
        **overrides,
    }


def write_filedrop_region(
    directory: Path, sftp: SftpSimulator, *, receipt: bool = True, retry: dict[str, Any] | None = None
) -> Path:
    """The test region, with the Hundesteuer-Anmeldung of each town routed to ``{slug}-ablage`` only:
    an SFTP drop into ``/{slug}`` on the simulator (a folder created here, as a back office would)."""
    write_region(directory, UNUSED_BACKOFFICE)
    path = directory / "region.yaml"
    region = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings = sftp_settings(sftp, "{slug}")
    if receipt:
        settings.update(receipt={"suffix": ".done", "pollSeconds": 0.02}, receiptTimeoutSeconds=3)
    region["destinationTemplates"].append(
        {
            "id": "{slug}-ablage",
            "name": "Dateiablage {name}",
            "connector": "fachverfahren-filedrop",
            "standard": "fachverfahren-json",
            "settings": settings,
            "retry": retry or {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 2, "jitter": 0, "maxAttempts": 6},
            "circuit": {"failureThreshold": 50, "openSeconds": 1},
        }
    )
    for route in region["routes"]:
        if route["service"] == SERVICE:
            route["destinations"] = ["{slug}-ablage"]
    path.write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    for municipality in region["municipalities"]:
        (sftp.root / municipality["slug"]).mkdir(parents=True, exist_ok=True)
    return directory
