"""Loading a deployment's region config (``region.yaml``): municipalities, services, destinations, routes.

Destination templates are expanded once per municipality (``{slug}``, ``{ags}``, ``{ars}``, ``{name}``), and
``${VAR:-default}`` in strings is taken from the environment at load time, so one config serves
the demo (simulators on fixed ports), tests (simulators on random ports) and production.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.connectors.base import CircuitSettings, Destination, RateLimit
from hub.connectors.inbound import SourceConfig
from hub.domain.retention import RetentionRules
from hub.domain.retry import RetryPolicy
from hub.errors import ConfigError
from hub.routing.cross_check_file import load_cross_checks
from hub.routing.cross_checks import CrossChecks
from hub.routing.forms import FormSchema
from hub.routing.generic_path import GenericPath, catalogue_section, generic_path
from hub.routing.inbound_config import inbound_sources
from hub.routing.retention_config import retention_rules

_ENV = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Municipality:
    ags: str
    ars: str
    slug: str
    name: str
    kind: str
    postal_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    form: FormSchema | None
    leika: str | None = None
    checks: CrossChecks | None = None
    """Cross-field checks of the form that its schema cannot express (``checks:`` beside ``form:``)."""
    attachment_types: tuple[str, ...] | None = None
    """``attachments: {allowedTypes: [...]}`` of the service; None: the hub's default (hub.service.attachment_types)."""


@dataclass(frozen=True)
class Route:
    service: str
    municipality: str
    destinations: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    municipalities: dict[str, Municipality]
    services: dict[str, Service]
    destinations: dict[str, Destination]
    routes: dict[tuple[str, str], Route]
    generic: GenericPath | None = None
    """Every catalogued service through the generic path (``catalogue:``), or None."""
    retention: RetentionRules = field(default_factory=RetentionRules)
    """How long content and records are kept (``retention:``)."""
    inbound: dict[str, SourceConfig] = field(default_factory=dict)
    """The message boxes read for the municipalities (``inbound:``), by source id."""


def _expand_env(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV.sub(lambda m: os.environ.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    return value


def _fill(value: Any, m: Municipality) -> Any:
    if isinstance(value, str):
        filled = value.replace("{slug}", m.slug).replace("{ags}", m.ags).replace("{name}", m.name)
        return filled.replace("{ars}", m.ars)
    if isinstance(value, dict):
        return {k: _fill(v, m) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, m) for v in value]
    return value


def retry_policy(raw: dict[str, Any] | None) -> RetryPolicy:
    raw = raw or {}
    return RetryPolicy(
        initial_seconds=float(raw.get("initialSeconds", 2.0)),
        multiplier=float(raw.get("multiplier", 2.0)),
        max_seconds=float(raw.get("maxSeconds", 600.0)),
        jitter=float(raw.get("jitter", 0.2)),
        max_attempts=int(raw.get("maxAttempts", 12)),
        max_age_seconds=float(raw.get("maxAgeSeconds", 48 * 3600)),
    )


CONFIG_FILE_SETTINGS = ("wsdlFile", "knownHostsFile")
"""Top-level destination settings naming a file of the deployment (like ``tls.*File`` and ``auth.keyFile``)."""


def _relative_to(base: Path, value: Any) -> Any:
    return str(base / value) if isinstance(value, str) and value and not Path(value).is_absolute() else value


def _resolve_files(settings: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative file paths (certificates, keys, known hosts, WSDLs) are relative to the config folder."""
    for key in CONFIG_FILE_SETTINGS:
        if key in settings:
            settings = {**settings, key: _relative_to(base, settings[key])}
    for group in ("tls", "auth"):
        section = settings.get(group)
        if isinstance(section, dict):
            resolved = {k: _relative_to(base, v) if k.endswith("File") else v for k, v in section.items()}
            settings = {**settings, group: resolved}
    return settings


def destination_from(raw: dict[str, Any], municipality: str | None = None, base: Path | None = None) -> Destination:
    try:
        circuit = raw.get("circuit") or {}
        rate = raw.get("rateLimit")
        return Destination(
            id=str(raw["id"]),
            name=str(raw.get("name", raw["id"])),
            connector=str(raw["connector"]),
            settings=_resolve_files(dict(raw.get("settings") or {}), base or Path.cwd()),
            standard=raw.get("standard"),
            municipality=municipality or raw.get("municipality"),
            retry=retry_policy(raw.get("retry")),
            concurrency=int(raw.get("concurrency", 8)),
            circuit=CircuitSettings(
                failure_threshold=int(circuit.get("failureThreshold", 5)),
                open_seconds=float(circuit.get("openSeconds", 30.0)),
            ),
            rate_limit=RateLimit(float(rate["perSecond"]), int(rate.get("burst", 1))) if rate else None,
        )
    except KeyError as exc:
        raise ConfigError(f"destination {raw.get('id', '?')!r} lacks {exc.args[0]!r}") from exc


def _service(raw: dict[str, Any], directory: Path) -> Service:
    form = FormSchema.load(directory / raw["form"]) if raw.get("form") else None
    return Service(
        id=str(raw["id"]),
        name=str(raw.get("name", raw["id"])),
        form=form,
        leika=raw.get("leika"),
        checks=load_cross_checks(directory / raw["checks"], form) if raw.get("checks") else None,
        attachment_types=_allowed_types(raw.get("attachments")),
    )


def _allowed_types(raw: dict[str, Any] | None) -> tuple[str, ...] | None:
    types = (raw or {}).get("allowedTypes")
    return None if types is None else tuple(str(t).lower() for t in types)


def load_region(directory: Path) -> Region:
    path = directory / "region.yaml"
    try:
        raw = _expand_env(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    munis = {
        str(m["ags"]): Municipality(
            ags=str(m["ags"]),
            ars=str(m.get("ars", "")),
            slug=str(m["slug"]),
            name=str(m["name"]),
            kind=str(m.get("kind", "")),
            postal_codes=tuple(str(p) for p in m.get("postalCodes", [])),
        )
        for m in raw.get("municipalities", [])
    }
    services = {str(s["id"]): _service(s, directory) for s in raw.get("services", [])}
    destinations: dict[str, Destination] = {}
    for template in raw.get("destinationTemplates", []):
        for m in munis.values():
            d = destination_from(_fill(template, m), municipality=m.ags, base=directory)
            destinations[d.id] = d
    for entry in raw.get("destinations", []):
        d = destination_from(entry, base=directory)
        destinations[d.id] = d
    routes: dict[tuple[str, str], Route] = {}
    for entry in raw.get("routes", []):
        service = str(entry["service"])
        if service not in services:
            raise ConfigError(f"{path}: route for unknown service {service!r}")
        which = entry.get("municipalities", "all")
        agss = list(munis) if which == "all" else [str(a) for a in which]
        for ags in agss:
            if ags not in munis:
                raise ConfigError(f"{path}: route of {service!r} names unknown municipality {ags}")
            ids = tuple(_fill(list(entry["destinations"]), munis[ags]))
            for dest_id in ids:
                if dest_id not in destinations:
                    raise ConfigError(f"{path}: route of {service!r} for {ags} names unknown destination {dest_id!r}")
            existing = routes.get((service, ags))
            merged = tuple(dict.fromkeys((existing.destinations if existing else ()) + ids))
            routes[(service, ags)] = Route(service, ags, merged)
    return Region(
        id=str(raw.get("region", directory.name)),
        name=str(raw.get("name", directory.name)),
        municipalities=munis,
        services=services,
        destinations=destinations,
        routes=routes,
        generic=_generic(raw, directory, munis, services, destinations),
        retention=retention_rules(raw.get("retention"), set(services)),
        inbound=inbound_sources(raw.get("inbound"), set(munis), set(destinations)),
    )


def _generic(
    raw: dict[str, Any],
    directory: Path,
    munis: dict[str, Municipality],
    services: dict[str, Service],
    destinations: dict[str, Destination],
) -> GenericPath | None:
    section = catalogue_section(raw)
    if section is None:
        return None
    per_ags: dict[str, tuple[str, ...]] = {}
    for ags, m in munis.items():
        ids = tuple(_fill(list(section.get("destinations", ["{slug}-dms"])), m))
        unknown = [d for d in ids if d not in destinations]
        if unknown:
            raise ConfigError(f"{directory / 'region.yaml'}: catalogue destinations for {ags}: unknown {unknown}")
        per_ags[ags] = ids
    own: dict[str, tuple[str, ...]] = {}
    for s in services.values():
        if s.leika:  # two services may share a key (Hundesteuer An- and Abmeldung)
            own[s.leika] = (*own.get(s.leika, ()), s.id)
    return generic_path(section, directory, per_ags, own)


def catalogue_file(directory: Path) -> Path | None:
    """The catalogue file ``region.yaml`` names (for ``hub catalogue import``), without loading the region."""
    try:
        raw = yaml.safe_load((directory / "region.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    section = raw.get("catalogue") if isinstance(raw, dict) else None
    return directory / str(section["file"]) if isinstance(section, dict) and "file" in section else None
