"""Which catalogued services a municipality offers through the generic path.

``region.yaml``::

    catalogue:
      file: catalogue/ozg-nrw.services.json
      offered:
        default: municipal            # every body: each municipal service of the catalogue
        "05562000": [99115003000000]  # ... except this one, which offers only the listed keys
        "05512000": none              # ... and this one none

``municipal`` means every entry of kind ``municipal`` (:mod:`hub.catalogue.entry`), ``all`` every
entry, ``none`` none, a list exactly those keys. A decision is one set lookup, whatever the
catalogue's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.catalogue.entry import CatalogueEntry, ServiceKind
from hub.errors import ConfigError

Rule = str | frozenset[str]
_WORDS = {"municipal", "all", "none"}


def _rule(raw: Any, where: str) -> Rule:
    if isinstance(raw, str) and raw in _WORDS:
        return raw
    if isinstance(raw, list) and all(isinstance(k, str | int) for k in raw):
        keys = frozenset(str(k) for k in raw)
        bad = sorted(k for k in keys if not (k.isdigit() and len(k) == 14))
        if bad:
            raise ConfigError(f"{where}: not 14-digit LeiKa keys: {', '.join(bad)}")
        return keys
    raise ConfigError(f"{where}: expected municipal, all, none or a list of LeiKa keys, not {raw!r}")


@dataclass(frozen=True)
class Offers:
    default: Rule = "municipal"
    by_municipality: Mapping[str, Rule] = field(default_factory=dict)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None, where: str) -> Offers:
        raw = dict(raw or {})
        default = _rule(raw.pop("default", "municipal"), f"{where} default")
        return cls(default, {str(ags): _rule(rule, f"{where} {ags}") for ags, rule in raw.items()})

    def offers(self, ags: str, entry: CatalogueEntry) -> bool:
        rule = self.by_municipality.get(ags, self.default)
        if isinstance(rule, frozenset):
            return entry.leika in rule
        if rule == "municipal":
            return entry.kind is ServiceKind.MUNICIPAL
        return rule == "all"
