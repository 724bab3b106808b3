"""``/metrics`` after a scripted run: it parses as Prometheus text and agrees with the database.

The run goes through a hub served over HTTP to the back-office simulator with injected faults:
deliveries that go through at once, after a retry, refused (dead) and exhausted (dead, opening the
circuit), 422s of both kinds, and a paused destination holding a backlog. Counters are process
totals, so they are compared as the change since before the run; gauges are compared as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from hub.domain.clock import utcnow
from hub.store.tables import delivery, destination_state, event, submission
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.region import HERTEN, write_region
from tests.support.waiting import wait_for

GLADBECK_DEST = "gladbeck-fachverfahren"
HERTEN_DEST = "herten-fachverfahren"
OUTCOME_OF_EVENT = {"delivered": "delivered", "retry_scheduled": "retry", "dead": "dead"}
CIRCUIT_OF_STATE = {"closed": 0, "half_open": 1, "open": 2}

Key = tuple[str, frozenset[tuple[str, str]]]


@pytest.fixture
def observed(database_url: str, tmp_path: Path, backoffice: Any, sim: httpx.Client) -> Iterator[RunningHub]:
    """Three attempts at most, and a circuit that opens at the third failure and stays open."""
    region = write_region(
        tmp_path / "region",
        backoffice.url,
        retry={"initialSeconds": 0.1, "multiplier": 2, "maxSeconds": 0.5, "jitter": 0, "maxAttempts": 3},
        circuit={"failureThreshold": 3, "openSeconds": 600},
    )
    running = start_hub(make_settings(database_url, region))
    yield running
    stop_hub(running)


def scrape(hub: RunningHub) -> dict[Key, float]:
    text = httpx.get(f"{hub.url}/metrics", timeout=10).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def before(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def post(client: httpx.Client, body: dict[str, Any], status: int) -> str | None:
    answer = client.post("/v1/submissions", json=body)
    assert answer.status_code == status, answer.text
    return str(answer.json()["id"]) if status == 202 else None


def settled(hub: RunningHub, submission_id: str, status: str) -> None:
    def check() -> bool:
        view = hub.ctx.submissions.get(submission_id)
        return view is not None and view.status == status

    wait_for(check, timeout=20, what=f"{submission_id} {status}")


def fault(sim: httpx.Client, status: int, count: int) -> None:
    sim.post("/_sim/faults", json={"mode": "status", "status": status, "count": count}).raise_for_status()


def test_metrics_parse_and_agree_with_the_database_after_a_scripted_run(
    observed: RunningHub, sim: httpx.Client
) -> None:
    hub = observed
    destinations = (GLADBECK_DEST, HERTEN_DEST)
    outcomes = ("delivered", "retry", "dead")
    counters_before = {
        "intake_202": before("hub_intake_requests_total", status="202"),
        "intake_422": before("hub_intake_requests_total", status="422"),
        "intake_count": before("hub_intake_seconds_count"),
        **{f"rejected_{k}": before("hub_intake_rejected_total", kind=k) for k in ("validation-error", "no-route")},
        **{f"{d}/{o}": before("hub_delivery_outcomes_total", destination=d, outcome=o)
           for d in destinations for o in outcomes},
        **{f"{d}/attempts": before("hub_delivery_attempt_seconds_count", destination=d) for d in destinations},
    }  # fmt: skip
    herten = hub.client(hub.herten_key)

    # Given a scripted run: delivered at once (Gladbeck, Herten), after one retry, refused with 400,
    fault(sim, 503, 1)
    settled(hub, str(post(hub.api, sample(), 202)), "delivered")
    settled(hub, str(post(hub.api, sample(), 202)), "delivered")
    settled(hub, str(post(herten, sample(municipality=HERTEN), 202)), "delivered")
    fault(sim, 400, 1)
    settled(hub, str(post(hub.api, sample(), 202)), "failed")
    # exhausted after three 503s (which open Gladbeck's circuit), two 422s of each kind,
    fault(sim, 503, 3)
    settled(hub, str(post(hub.api, sample(), 202)), "failed")
    broken = sample()
    del broken["applicant"]
    post(hub.api, broken, 422)
    post(hub.api, sample(form={"startDate": "not a date"}), 422)
    post(hub.api, sample(service="no-such-service"), 422)
    post(hub.api, sample(municipality="05999999"), 422)
    # and Herten paused with one submission waiting
    hub.ctx.services.operations.pause(HERTEN_DEST, actor="test")
    waiting = str(post(herten, sample(municipality=HERTEN), 202))

    # When /metrics is scraped (it must parse as Prometheus text)
    metrics = scrape(hub)

    def now(name: str, **labels: str) -> float:
        return metrics.get((name, frozenset(labels.items())), 0.0)

    # Then the intake counters agree with what the database holds and what was refused
    with hub.ctx.db.read() as conn:
        submissions = conn.execute(select(func.count()).select_from(submission)).scalar_one()
        states = Counter(
            {(d, s): n for d, s, n in conn.execute(
                select(delivery.c.destination_id, delivery.c.state, func.count())
                .group_by(delivery.c.destination_id, delivery.c.state))}
        )  # fmt: skip
        events = Counter(
            {(d, k): n for d, k, n in conn.execute(
                select(delivery.c.destination_id, event.c.kind, func.count())
                .join(delivery, delivery.c.id == event.c.delivery_id)
                .group_by(delivery.c.destination_id, event.c.kind))}
        )  # fmt: skip
        oldest = {
            d: q for d, q in conn.execute(
                select(delivery.c.destination_id, func.min(delivery.c.queued_at))
                .where(delivery.c.state.in_(["pending", "retrying", "in_flight"]))
                .group_by(delivery.c.destination_id))
        }  # fmt: skip
        controls = {r.destination_id: r for r in conn.execute(select(destination_state))}
    assert submissions == 6
    assert now("hub_intake_requests_total", status="202") - counters_before["intake_202"] == submissions
    assert now("hub_intake_requests_total", status="422") - counters_before["intake_422"] == 4
    assert now("hub_intake_seconds_count") - counters_before["intake_count"] == submissions + 4
    for kind in ("validation-error", "no-route"):
        assert now("hub_intake_rejected_total", kind=kind) - counters_before[f"rejected_{kind}"] == 2, kind

    # And the delivery outcomes and attempts per destination agree with the event log
    for d in destinations:
        for kind, outcome in OUTCOME_OF_EVENT.items():
            counted = now("hub_delivery_outcomes_total", destination=d, outcome=outcome)
            assert counted - counters_before[f"{d}/{outcome}"] == events[(d, kind)], (d, outcome)
        attempts = now("hub_delivery_attempt_seconds_count", destination=d) - counters_before[f"{d}/attempts"]
        assert attempts == events[(d, "attempt")], d
    assert [events[(GLADBECK_DEST, k)] for k in ("delivered", "retry_scheduled", "dead")] == [2, 3, 2]

    # And the gauges agree with the deliveries, the pause and the circuit as stored
    for d in destinations:
        for state in ("pending", "retrying", "in_flight", "delivered", "dead"):
            assert now("hub_deliveries", destination=d, state=state) == states[(d, state)], (d, state)
        assert now("hub_destination_backlog", destination=d) == states[(d, "pending")] + states[(d, "retrying")]
        assert now("hub_dead_letters", destination=d) == states[(d, "dead")]
        expected_age = (utcnow() - oldest[d]).total_seconds() if d in oldest else 0.0
        assert abs(now("hub_destination_oldest_waiting_seconds", destination=d) - expected_age) < 5, d
        stored = controls.get(d)
        assert now("hub_destination_paused", destination=d) == (1 if stored is not None and stored.paused else 0)
        assert now("hub_circuit_state", destination=d) == CIRCUIT_OF_STATE[stored.circuit_state if stored else "closed"]
    assert (now("hub_destination_backlog", destination=HERTEN_DEST), now("hub_destination_paused",
            destination=HERTEN_DEST)) == (1, 1)  # fmt: skip
    assert now("hub_destination_oldest_waiting_seconds", destination=HERTEN_DEST) > 0
    assert (now("hub_circuit_state", destination=GLADBECK_DEST), controls[GLADBECK_DEST].circuit_state) == (2, "open")
    assert hub.ctx.submissions.get(waiting) is not None
