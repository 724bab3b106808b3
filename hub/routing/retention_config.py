"""``region.yaml``'s ``retention`` section as the domain's :class:`~hub.domain.retention.RetentionRules`::

    retention:
      default: {afterDelivered: 7d, afterDead: 30d, metadata: 180d}
      services:
        bauantrag: {afterDelivered: 30d}     # what a service leaves out comes from the default

Without the section the domain's defaults hold (7 days, 30 days, 180 days).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hub.domain.retention import RetentionPolicy, RetentionRules, parse_duration
from hub.errors import ConfigError

_KEYS = {"afterDelivered": "after_delivered", "afterDead": "after_dead", "metadata": "metadata"}


def _policy(raw: Any, base: RetentionPolicy, where: str) -> RetentionPolicy:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected afterDelivered, afterDead and metadata durations")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown {', '.join(unknown)} (known: {', '.join(_KEYS)})")
    try:
        return replace(base, **{_KEYS[k]: parse_duration(v) for k, v in raw.items()})
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def retention_rules(raw: Any, services: set[str], where: str = "region.yaml: retention") -> RetentionRules:
    if raw is None:
        return RetentionRules()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with default and services")
    default = _policy(raw.get("default") or {}, RetentionPolicy(), f"{where}.default")
    own: dict[str, RetentionPolicy] = {}
    for service, policy in (raw.get("services") or {}).items():
        if service not in services:
            raise ConfigError(f"{where}.services: unknown service {service!r}")
        own[str(service)] = _policy(policy, default, f"{where}.services.{service}")
    return RetentionRules(default, own)
