"""The hub's exception hierarchy.

::

    HubError
     ├── ConfigError            a deployment config, mapping spec or schema set is broken
     ├── MappingError           a submission cannot be mapped for a destination (carries problems)
     ├── RoutingError           no route, unknown service or municipality
     └── DeliveryError          sending to a destination failed
          ├── TransientError    worth retrying (connect errors, timeouts, 408, 429, 5xx)
          └── PermanentError    the receiver refused the message for good (other 4xx)

Intake turns ``MappingError`` and ``RoutingError`` into 422 problem details; the delivery worker
turns ``TransientError`` into a scheduled retry and ``PermanentError`` into a dead letter.
"""

from __future__ import annotations

from dataclasses import dataclass


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class ConfigError(HubError):
    """A configuration file (region, mapping spec, form schema) is invalid."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of the portal's payload, located by JSON pointer."""

    pointer: str
    message: str
    rule: str | None = None
    location: str | None = None
    """Where in the generated message the problem was found (an XML path), if it came from validating it."""

    def as_dict(self) -> dict[str, str]:
        out = {"pointer": self.pointer, "detail": self.message}
        if self.rule:
            out["rule"] = self.rule
        if self.location:
            out["location"] = self.location
        return out


class MappingError(HubError):
    """The submission's data cannot be turned into the destination's message."""

    def __init__(self, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class RoutingError(HubError):
    """The submission cannot be routed: unknown service, unknown municipality or no route."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


class DeliveryError(HubError):
    """Sending a message to a destination failed."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response_excerpt: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response_excerpt = response_excerpt


class TransientError(DeliveryError):
    """A failure worth retrying later; ``retry_after`` is the receiver's own hint in seconds."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response_excerpt: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, response_excerpt=response_excerpt)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """The receiver refused the message; retrying the same message cannot succeed."""


__all__ = [
    "ConfigError",
    "DeliveryError",
    "FieldProblem",
    "HubError",
    "MappingError",
    "PermanentError",
    "RoutingError",
    "TransientError",
]
