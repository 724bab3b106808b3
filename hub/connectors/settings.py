"""Reading a destination's ``settings`` into typed values: the one reader every connector uses.

A connector's ``settings.py`` turns the mapping under ``settings:`` in ``region.yaml`` into a frozen
dataclass with a :class:`SettingsReader`. Every problem is a :class:`~hub.errors.ConfigError` that
names the destination, the connector and the setting, so an operator sees at once what to fix::

    reader = SettingsReader(destination, "fachverfahren-soap")
    operation = reader.text("operation")              # required, a non-empty string
    address = reader.optional_text("address")         # None when absent
    auth = reader.mapping("auth", raw.get("auth"))    # a nested value, named as the operator wrote it
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from hub.connectors.base import Destination
from hub.errors import ConfigError


class _Unset:
    """Marks a value not given: the reader then takes the setting of that name."""


_UNSET: Final = _Unset()


class SettingsReader:
    """Checks one destination's settings; ``connector`` is the name its errors give (default: the destination's)."""

    def __init__(self, destination: Destination, connector: str | None = None) -> None:
        self.destination = destination
        self.settings: Mapping[str, Any] = destination.settings
        self.connector = connector or destination.connector

    def fail(self, what: str) -> ConfigError:
        """The error for a problem with the destination's settings (``what`` names the setting)."""
        return ConfigError(f"destination {self.destination.id!r} ({self.connector}): {what}")

    def value(self, name: str) -> Any:
        """The setting as written, of any type; its absence is an error (``lacks the setting``)."""
        return self.destination.setting(name)

    def _value(self, name: str, value: Any) -> Any:
        return self.settings.get(name) if isinstance(value, _Unset) else value

    def text(self, name: str, value: Any = _UNSET) -> str:
        """A non-empty string, stripped: ``value`` if given (a nested setting), else the setting ``name``."""
        found = self._value(name, value)
        if not isinstance(found, str) or not found.strip():
            raise self.fail(f"setting {name!r} must be a non-empty string")
        return found.strip()

    def optional_text(self, name: str, value: Any = _UNSET) -> str | None:
        """Like :meth:`text`, but None when the setting is absent (or null)."""
        found = self._value(name, value)
        return None if found is None else self.text(name, found)

    def mapping(self, name: str, value: Any = _UNSET) -> Mapping[str, Any]:
        found = self._value(name, value)
        if not isinstance(found, Mapping):
            raise self.fail(f"setting {name!r} must be a mapping")
        return found

    def seconds(self, name: str, value: Any = _UNSET) -> float:
        """A positive number of seconds."""
        found = self._value(name, value)
        if isinstance(found, bool) or not isinstance(found, int | float) or found <= 0:
            raise self.fail(f"setting {name!r} must be a positive number of seconds")
        return float(found)

    def flag(self, name: str, default: bool = False) -> bool:
        """``true`` or ``false`` (YAML booleans only: ``"yes"`` is refused, not taken for true)."""
        found = self.settings.get(name, default)
        if not isinstance(found, bool):
            raise self.fail(f"setting {name!r} must be true or false")
        return found

    def names(self, name: str) -> frozenset[str]:
        """A list of element names (local or ``{namespace}local``), empty when absent."""
        found = self.settings.get(name) or []
        if not isinstance(found, list) or not all(isinstance(v, str) and v.strip() for v in found):
            raise self.fail(f"setting {name!r} must be a list of element names (local or '{{namespace}}local')")
        return frozenset(v.strip() for v in found)


__all__ = ["SettingsReader"]
