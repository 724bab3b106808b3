"""Errors of the schema catalog; all are ``HubError`` so the API and CLI report them uniformly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hub.errors import ConfigError, HubError


class SchemaNotInstalled(ConfigError):
    """A schema set was asked for that no directory of ``HUB_SCHEMA_PATH`` provides.

    The message names the searched directories and the ids that are known, because the usual cause
    is a missing or mistyped ``HUB_SCHEMA_PATH`` entry, not a typo in the id.
    """

    def __init__(self, set_id: str, directories: Sequence[Path], known: Sequence[str]) -> None:
        searched = ", ".join(str(d) for d in directories) or "(none: HUB_SCHEMA_PATH is empty)"
        ids = ", ".join(known) or "(none)"
        super().__init__(
            f"schema set {set_id!r} is not installed; searched HUB_SCHEMA_PATH directories: {searched}; "
            f"known schema sets: {ids}. Install it with 'hub schemas install PATH|URL'."
        )
        self.set_id = set_id
        self.directories = list(directories)
        self.known = list(known)


class SchemaCompileError(ConfigError):
    """A schema set (or one entry of it) does not compile."""


class SchemaInstallError(HubError):
    """A schema set cannot be installed (bad archive, no writable directory, target exists)."""
