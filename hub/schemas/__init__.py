"""The schema catalog: XÖV / FIT-Connect schema sets installed under ``HUB_SCHEMA_PATH``.

>>> catalog = SchemaCatalog.from_env()
>>> problems = catalog.validator("xdomea-3.0.0").validate(parse_xml(message))
"""

from __future__ import annotations

from hub.schemas.catalog import ENV_VAR, SchemaCatalog, Validator
from hub.schemas.errors import SchemaCompileError, SchemaInstallError, SchemaNotInstalled
from hub.schemas.install import install
from hub.schemas.model import CheckResult, SchemaProblem, SchemaSet

__all__ = [
    "ENV_VAR",
    "CheckResult",
    "SchemaCatalog",
    "SchemaCompileError",
    "SchemaInstallError",
    "SchemaNotInstalled",
    "SchemaProblem",
    "SchemaSet",
    "Validator",
    "install",
]
