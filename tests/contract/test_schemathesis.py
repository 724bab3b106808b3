"""Schemathesis against the real hub over real HTTP: every phase, every check, zero failures.

The hub is the test region's (three services in Gladbeck and Herten) on PostgreSQL, with the
simulated back office as destination and a key holding the portal, operator and admin roles, so
every operation can be reached. A bounded run: ``MAX_EXAMPLES`` per operation and phase takes
about a minute on the 2-core development machine (the limit below is five). A longer run against
a running hub is in the README ("Contract tests").
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

import tests.contract.hooks  # noqa: F401  (registers the client-side consistency hook)
from tests.conftest import RunningHub, _truncate, make_settings, start_hub, stop_hub

MAX_EXAMPLES = 100
SEED = int(os.environ.get("HUB_CONTRACT_SEED", "20261202"))
"""Fixed, so the suite runs the same cases every time; set HUB_CONTRACT_SEED to explore others."""
TIME_LIMIT_SECONDS = 300
"""Generous against the ~60 s measured, for a loaded machine: the run itself never stops early."""


@pytest.fixture
def contract_hub(postgres_url: str, region_dir: Path, sim: httpx.Client) -> Iterator[tuple[RunningHub, str]]:
    _truncate(postgres_url)  # earlier tests leave their API clients behind
    running = start_hub(make_settings(postgres_url, region_dir, log_level="WARNING"))
    _, key = running.ctx.clients.create("contract-test", ["*"], roles=["portal", "operator", "admin"])
    yield running, key
    stop_hub(running)


def _config(key: str, seed: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": {"Authorization": f"Bearer {key}"},
            "workers": 1,
            "checks": {"enabled": True},  # all of them: the installed version's every built-in check
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True},
            },
            "generation": {"max-examples": MAX_EXAMPLES},
        }
    )


def test_schemathesis_finds_nothing(contract_hub: tuple[RunningHub, str]) -> None:
    running, key = contract_hub
    schema = schemathesis.openapi.from_url(f"{running.url}/openapi.json", config=_config(key, SEED))
    started = time.monotonic()
    failures: list[str] = []
    errors: list[str] = []
    cases: Counter[str] = Counter()
    operations: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            if event.label:
                operations.add(event.label)
            cases[str(event.phase)] += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        failures.append(
                            f"{event.label}: {check.name}: {check.failure_info} ({case.method} {case.path})"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "info", event)))
    elapsed = time.monotonic() - started
    total = sum(cases.values())
    print(f"schemathesis seed {SEED}: {total} cases {dict(cases)} on {len(operations)} operations in {elapsed:.0f} s")

    assert not errors, errors
    assert not failures, "\n".join(sorted(set(failures)))
    documented = httpx.get(f"{running.url}/openapi.json").json()["paths"]
    assert len(operations) >= sum(len(methods) for methods in documented.values()), operations
    assert elapsed < TIME_LIMIT_SECONDS
