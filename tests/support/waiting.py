"""Polling for a condition with a deadline (deliveries happen in other threads and processes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from tests.conftest import RunningHub

T = TypeVar("T")


def wait_for(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.05, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def wait_status(hub: RunningHub, submission_id: str, wanted: str, timeout: float = 20) -> dict[str, Any]:
    """The submission's status document, once its overall status is ``wanted`` (read through the API)."""

    def status() -> dict[str, Any] | None:
        answer = hub.api.get(f"/v1/submissions/{submission_id}")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body if body["status"] == wanted else None

    return wait_for(status, timeout=timeout, what=f"submission {submission_id} {wanted}")
