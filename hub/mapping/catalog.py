"""All mapping specs of a deployment, keyed by (service, target standard).

An XML-target spec whose ``service`` is ``"*"`` is the standard's default: it serves every service
that has no spec of its own for that standard (e.g. ``mappings/any.xdomea-3.1.0.yaml``: the xdomea
frame is the same for every application, the form travels as generic fields). Look XML specs up
with :meth:`MappingCatalog.xml_spec`, which applies that fallback.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hub.errors import ConfigError
from hub.mapping.spec import MappingSpec, load_spec
from hub.mapping.xml import XmlMappingSpec, is_xml_standard, load_xml_spec

ANY_SERVICE = "*"
"""The ``service`` of a default spec: used for every service without its own spec for that standard."""


def _standard_of(path: Path) -> str:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    return str(raw.get("standard", "")) if isinstance(raw, dict) else ""


class MappingCatalog:
    """JSON-target specs, ready to apply, and XML-target specs, loaded but not yet bound to their
    schema (binding needs the schema catalog; the connector of that standard does it)."""

    def __init__(self, specs: list[MappingSpec], xml_specs: list[XmlMappingSpec] | None = None) -> None:
        self.xml_specs: dict[tuple[str, str], XmlMappingSpec] = {(x.service, x.standard): x for x in xml_specs or []}
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
        specs: list[MappingSpec] = []
        xml_specs: list[XmlMappingSpec] = []
        for path in sorted(directory.glob("*.yaml")):
            if is_xml_standard(_standard_of(path)):
                xml_specs.append(load_xml_spec(path))
            else:
                specs.append(load_spec(path))
        return cls(specs, xml_specs)

    def xml_spec(self, service: str, standard: str) -> XmlMappingSpec | None:
        """The service's XML spec for ``standard``, else the standard's default spec (``service: "*"``)."""
        found = self.xml_specs.get((service, standard))
        return found if found is not None else self.xml_specs.get((ANY_SERVICE, standard))

    def get(self, service: str, standard: str) -> MappingSpec:
        try:
            return self._specs[(service, standard)]
        except KeyError:
            raise ConfigError(f"no mapping spec for service {service!r} to {standard!r}") from None

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._specs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._specs.values())
