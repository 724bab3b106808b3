"""A second kind of destination for the console's tests: a DMS per body (never routed, so always idle)."""

from __future__ import annotations

from pathlib import Path

import yaml


def add_dms_destinations(directory: Path, base_url: str) -> Path:
    """Add ``{slug}-dms`` (connector ``fachverfahren-xdomea``) to the region written in ``directory``."""
    path = directory / "region.yaml"
    region = yaml.safe_load(path.read_text(encoding="utf-8"))
    region["destinationTemplates"].append(
        {
            "id": "{slug}-dms",
            "name": "DMS (e-Akte) {name}",
            "connector": "fachverfahren-xdomea",
            "standard": "xdomea-3.1.0",
            "settings": {"transport": "http", "url": f"{base_url}/dms/{{slug}}/xdomea"},
        }
    )
    path.write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    return directory
