"""Fault rules of the HTTP simulators: what ``/_sim/faults`` accepts, and which rules fire per request.

The modes and the rule JSON are described in :mod:`hub.sim.kit.faults`, which also answers for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

DEFAULT_TIMEOUT_MS = 60_000
DEFAULT_TRICKLE_INTERVAL_MS = 2_000

_T = TypeVar("_T")


class FaultMode(StrEnum):
    """How an injected fault misbehaves; ``latency`` and ``trickle`` let the request proceed."""

    STATUS = "status"
    LATENCY = "latency"
    TIMEOUT = "timeout"
    DROP = "drop"
    TRICKLE = "trickle"
    HTML = "html"
    RESET = "reset"
    SOAP_FAULT = "soapFault"

    @property
    def proceeds(self) -> bool:
        """True for modes after which the request is handled as usual (later rules still fire)."""
        return self in (FaultMode.LATENCY, FaultMode.TRICKLE)


HTTP_MODES = frozenset(
    {
        FaultMode.STATUS,
        FaultMode.LATENCY,
        FaultMode.TIMEOUT,
        FaultMode.DROP,
        FaultMode.TRICKLE,
        FaultMode.HTML,
        FaultMode.RESET,
    }
)
"""What any HTTP simulator can do: answer a status, wait, wait until the client gives up, drop,
trickle the answer, answer a proxy's HTML page, reset the connection."""
SOAP_MODES = HTTP_MODES | {FaultMode.SOAP_FAULT}

SOAP_FAULT_CODES = frozenset({"Server", "Client"})
"""SOAP 1.1 names; a SOAP 1.2 simulator answers ``Receiver`` and ``Sender`` for them."""

_DEFAULT_STATUS = {
    FaultMode.STATUS: 503,
    FaultMode.TIMEOUT: 504,
    FaultMode.DROP: 201,
    FaultMode.HTML: 200,
    FaultMode.SOAP_FAULT: 500,
}
_FAULT_FIELDS = frozenset(
    {"system", "mode", "count", "status", "reason", "retryAfter", "latencyMs", "intervalMs", "recordFirst"}
)
_SOAP_FIELDS = frozenset({"faultCode", "detail"})


@dataclass(slots=True)
class FaultRule:
    """One injected fault, optionally scoped to a system and to the next ``count`` requests."""

    id: int
    mode: FaultMode
    system: str | None = None
    count: int | None = None
    status: int | None = None
    reason: str = "simulated fault"
    retry_after: float | None = None
    latency_ms: int | None = None
    interval_ms: int | None = None
    """``trickle`` only: the pause before each byte of the answer's body."""
    record_first: bool = False
    fault_code: str | None = None
    """``soapFault`` only: ``Server`` (the receiver's problem) or ``Client`` (the request's)."""
    detail: str | None = None
    """``soapFault`` only: the detail element to answer with, as the simulator names it."""

    def matches(self, system: str) -> bool:
        return self.system is None or self.system == system

    @property
    def trickle_interval_ms(self) -> int:
        return self.interval_ms if self.interval_ms is not None else DEFAULT_TRICKLE_INTERVAL_MS

    @property
    def effective_status(self) -> int:
        return self.status if self.status is not None else _DEFAULT_STATUS.get(self.mode, 503)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "system": self.system,
            "mode": self.mode.value,
            "count": self.count,
            "status": self.status,
            "reason": self.reason,
            "retryAfter": self.retry_after,
            "latencyMs": self.latency_ms,
            "recordFirst": self.record_first,
        }
        if self.mode is FaultMode.TRICKLE:
            out["intervalMs"] = self.trickle_interval_ms
        if self.mode is FaultMode.SOAP_FAULT:
            out |= {"faultCode": self.fault_code, "detail": self.detail}
        return out

    @classmethod
    def from_json(cls, data: object, rule_id: int, modes: frozenset[FaultMode] = HTTP_MODES) -> FaultRule:
        """Validate a rule posted to ``/_sim/faults``; unknown keys are refused to catch typos."""
        if not isinstance(data, dict):
            raise ValueError("a fault rule must be a JSON object")
        allowed = _FAULT_FIELDS | (_SOAP_FIELDS if FaultMode.SOAP_FAULT in modes else frozenset())
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        try:
            mode = FaultMode(data.get("mode", ""))
        except ValueError:
            mode = None
        if mode not in modes:
            raise ValueError(f"mode must be one of {sorted(m.value for m in modes)}")
        fault_code = _optional(data, "faultCode", str)
        detail = _optional(data, "detail", str)
        if mode is FaultMode.SOAP_FAULT:
            fault_code = fault_code or "Server"
            if fault_code not in SOAP_FAULT_CODES:
                raise ValueError(f"faultCode must be one of {sorted(SOAP_FAULT_CODES)}")
        elif fault_code is not None or detail is not None:
            raise ValueError("faultCode and detail belong to mode soapFault")
        interval_ms = _non_negative_int(data, "intervalMs")
        if interval_ms is not None and mode is not FaultMode.TRICKLE:
            raise ValueError("intervalMs belongs to mode trickle")
        return cls(
            id=rule_id,
            mode=mode,
            system=_optional(data, "system", str),
            count=_positive_int(data, "count"),
            status=_status(data),
            reason=_optional(data, "reason", str) or "simulated fault",
            retry_after=_non_negative(data, "retryAfter"),
            latency_ms=_non_negative_int(data, "latencyMs"),
            interval_ms=interval_ms,
            record_first=bool(_optional(data, "recordFirst", bool)),
            fault_code=fault_code,
            detail=detail,
        )


def _optional(data: dict[str, Any], key: str, kind: type[_T]) -> _T | None:
    value = data.get(key)
    if value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return value
    raise ValueError(f"{key} must be a {kind.__name__} or null")


def _positive_int(data: dict[str, Any], key: str) -> int | None:
    value = _optional(data, key, int)
    if value is not None and value < 1:
        raise ValueError(f"{key} must be at least 1 (or null for 'until cleared')")
    return value


def _non_negative_int(data: dict[str, Any], key: str) -> int | None:
    value = _optional(data, key, int)
    if value is not None and value < 0:
        raise ValueError(f"{key} must not be negative")
    return value


def _non_negative(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a non-negative number or null")
    return float(value)


def _status(data: dict[str, Any]) -> int | None:
    value = _optional(data, "status", int)
    if value is not None and not 200 <= value <= 599:
        raise ValueError("status must be between 200 and 599")
    return value


class FaultBook:
    """A simulator's fault rules. Thread-safe: requests take rules while a test adds or clears them.

    ``check`` lets a simulator refuse rules it cannot honour (e.g. an unknown detail element).
    """

    def __init__(
        self, modes: frozenset[FaultMode] = HTTP_MODES, check: Callable[[FaultRule], None] | None = None
    ) -> None:
        self.modes = modes
        self._check = check
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def take(self, system: str) -> list[FaultRule]:
        """The rules that fire for this request, in order, up to the first one that ends it.

        Each fired rule uses up one of its ``count``; an exhausted rule is removed.
        """
        fired: list[FaultRule] = []
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(system):
                    continue
                fired.append(rule)
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                if not rule.mode.proceeds:
                    break
        return fired

    def add(self, data: object) -> FaultRule:
        with self._lock:
            rule = FaultRule.from_json(data, self._next_id, self.modes)
            if self._check is not None:
                self._check(rule)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]


__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "DEFAULT_TRICKLE_INTERVAL_MS",
    "HTTP_MODES",
    "SOAP_FAULT_CODES",
    "SOAP_MODES",
    "FaultBook",
    "FaultMode",
    "FaultRule",
]
