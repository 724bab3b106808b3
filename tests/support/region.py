"""A small region config for tests: fast retry policies, the real form schemas and mapping specs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.config import PROJECT_ROOT

REAL_CONFIG = PROJECT_ROOT / "config" / "emscher-lippe"
GLADBECK = "05562014"
HERTEN = "05562020"
KREIS = "05562000"  # Kreis Recklinghausen: a body of the region that offers none of these services


def write_region(
    directory: Path,
    backoffice_url: str,
    *,
    retry: dict[str, Any] | None = None,
    circuit: dict[str, Any] | None = None,
    concurrency: int = 8,
    timeout_seconds: float = 5.0,
    rate_limit: dict[str, Any] | None = None,
    attempt_deadline_seconds: float | None = None,
) -> Path:
    """Write ``region.yaml``: Gladbeck and Herten with the Hundesteuer, Sperrmüll and Sondernutzung routes,
    and the Kreis without any route."""
    real = yaml.safe_load((REAL_CONFIG / "region.yaml").read_text(encoding="utf-8"))
    munis = [m for m in real["municipalities"] if m["ags"] in (GLADBECK, HERTEN, KREIS)]
    services = [
        {**s, **{key: str(REAL_CONFIG / s[key]) for key in ("form", "checks") if s.get(key)}}
        for s in real["services"]
        if s["id"] in ("hundesteuer-anmeldung", "sperrmuell", "sondernutzung")
    ]
    settings: dict[str, Any] = {
        "url": f"{backoffice_url}/systems/{{slug}}/messages",
        "timeoutSeconds": timeout_seconds,
    }
    if attempt_deadline_seconds is not None:
        settings["attemptDeadlineSeconds"] = attempt_deadline_seconds
    region = {
        "region": "test",
        "name": "Test region",
        "municipalities": munis,
        "services": services,
        "destinationTemplates": [
            {
                "id": "{slug}-fachverfahren",
                "name": "Fachverfahren {name}",
                "connector": "fachverfahren-rest",
                "standard": "fachverfahren-json",
                "settings": settings,
                "retry": retry
                or {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 2, "jitter": 0, "maxAttempts": 6},
                "concurrency": concurrency,
                "circuit": circuit or {"failureThreshold": 50, "openSeconds": 1},
                **({"rateLimit": rate_limit} if rate_limit else {}),
            }
        ],
        "routes": [
            {"service": s["id"], "municipalities": [GLADBECK, HERTEN], "destinations": ["{slug}-fachverfahren"]}
            for s in services
        ],
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "region.yaml").write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    return directory
