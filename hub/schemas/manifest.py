"""The ``hub-schema-set.yaml`` manifest: describes a set the conventions do not know.

Example::

    id: xbau-2.6
    standard: XBau
    version: "2.6"
    entries: [xsd/xbau-nachrichten-*.xsd]     # globs relative to this folder
    default_entry: xsd/xbau-nachrichten-baugenehmigung.xsd   # optional
    schematron: [schematron/*.sch]           # optional
    json_schemas: []                         # optional
    namespace: http://www.xleitstelle.de/xbau/2/6   # optional: read from the first entry
    url_map:                                 # optional: import URL prefix -> path in this folder
      https://xleitstelle.de/xbau/schema/2/6/: xsd/
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import ConfigError

MANIFEST_NAME = "hub-schema-set.yaml"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    standard: str
    version: str
    entries: list[str] = Field(default_factory=list)
    default_entry: str | None = None
    schematron: list[str] = Field(default_factory=list)
    json_schemas: list[str] = Field(default_factory=list)
    namespace: str | None = None
    url_map: dict[str, str] = Field(default_factory=dict)


def load_manifest(path: Path) -> Manifest:
    """Read and check one manifest; a broken one is a ``ConfigError`` naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping with id, standard, version, entries")
        manifest = Manifest.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: invalid schema set manifest: {exc}") from exc
    if not manifest.entries and not manifest.json_schemas:
        raise ConfigError(f"{path}: a schema set needs entries (XSD) or json_schemas")
    return manifest
