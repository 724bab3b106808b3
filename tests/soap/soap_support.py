"""Helpers of the SOAP tests: submitting, waiting for a status, reading the hub's and the simulator's records."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from hub.store import sealed_columns
from hub.store.tables import delivery as delivery_table
from tests.conftest import RunningHub
from tests.support.envelopes import sample


def submit(hub: RunningHub, envelope: dict[str, Any] | None = None) -> str:
    answer = hub.api.post("/v1/submissions", json=envelope or sample())
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def outcomes(hub: RunningHub, submission_id: str) -> list[str]:
    events = hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"]
    return [e["detail"]["outcome"] for e in events if e["kind"] == "attempt"]


def received(vendor_sim: httpx.Client) -> list[dict[str, Any]]:
    answer = vendor_sim.get("/_sim/messages")
    answer.raise_for_status()
    messages: list[dict[str, Any]] = answer.json()
    return messages


def inject(vendor_sim: httpx.Client, **rule: object) -> None:
    vendor_sim.post("/_sim/faults", json=rule).raise_for_status()


def stored_payload(hub: RunningHub, message_id: str) -> bytes:
    """The message the hub stored for the delivery at intake (what every attempt sends), opened."""
    with hub.ctx.db.read() as conn:
        query = select(delivery_table.c.id, delivery_table.c.payload).where(delivery_table.c.message_id == message_id)
        delivery_id, payload = conn.execute(query).one()
    return hub.ctx.db.sealer.open(bytes(payload), sealed_columns.payload(delivery_id))
