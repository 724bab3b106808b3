"""All mapping specs of a deployment, keyed by (service, target standard)."""

from __future__ import annotations

from pathlib import Path

from hub.errors import ConfigError
from hub.mapping.spec import MappingSpec, load_spec


class MappingCatalog:
    def __init__(self, specs: list[MappingSpec]) -> None:
        self._specs: dict[tuple[str, str], MappingSpec] = {}
        for spec in specs:
            key = (spec.service, spec.standard)
            if key in self._specs:
                raise ConfigError(f"{spec.path}: duplicates {self._specs[key].path} for {key}")
            self._specs[key] = spec

    @classmethod
    def load(cls, directory: Path) -> MappingCatalog:
        if not directory.is_dir():
            raise ConfigError(f"mapping folder {directory} does not exist")
        return cls([load_spec(p) for p in sorted(directory.glob("*.yaml"))])

    def get(self, service: str, standard: str) -> MappingSpec:
        try:
            return self._specs[(service, standard)]
        except KeyError:
            raise ConfigError(f"no mapping spec for service {service!r} to {standard!r}") from None

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._specs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._specs.values())
