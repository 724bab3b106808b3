"""The API while PostgreSQL is unreachable: 503 problem+json with Retry-After, never 500, nothing
half-stored, and the same process serving again once the database is back.

The hub runs over real HTTP (API only, no worker) on the real PostgreSQL, reached through a TCP
proxy on loopback that refuses connections (PostgreSQL restarting) or resets the live ones. What
was stored is read from PostgreSQL directly, past the proxy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, make_url, select, text

from hub.store.db import PING_AFTER_IDLE_SECONDS
from hub.store.tables import delivery, event, submission
from tests.conftest import RunningHub, _truncate, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for

UNAVAILABLE = "/problems/database-unavailable"
ANSWER_BOUND_SECONDS = 15.0  # a refused connection answers at once; the bound allows a loaded machine


@pytest.fixture
def direct(postgres_url: str) -> Iterator[Engine]:
    """PostgreSQL itself, past the proxy: what the hub really stored."""
    _truncate(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    url = make_url(postgres_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
def outage_hub(postgres_url: str, direct: Engine, proxy: TcpProxy, region_dir: Path) -> Iterator[RunningHub]:
    behind_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    settings = make_settings(behind_proxy.render_as_string(hide_password=False), region_dir)
    running = start_hub(settings, run_worker=False)
    yield running
    proxy.restore()
    stop_hub(running)


def _assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == UNAVAILABLE
    assert 1 <= int(answer.headers["retry-after"]) <= 60


def _stored(direct: Engine) -> dict[str, str | None]:
    """Stored submissions: id -> idempotency key."""
    with direct.connect() as conn:
        return {r.id: r.idempotency_key for r in conn.execute(select(submission.c.id, submission.c.idempotency_key))}


def _incomplete(direct: Engine) -> list[str]:
    """Submissions stored without their deliveries or their events: half-stored ones."""
    with direct.connect() as conn:
        deliveries = select(func.count()).where(delivery.c.submission_id == submission.c.id).scalar_subquery()
        events = select(func.count()).where(event.c.submission_id == submission.c.id).scalar_subquery()
        rows = conn.execute(select(submission.c.id).where((deliveries == 0) | (events == 0)))
        return [r.id for r in rows]


def test_refused_connections_answer_503_with_retry_after_and_the_process_recovers(
    outage_hub: RunningHub, proxy: TcpProxy, direct: Engine
) -> None:
    hub = outage_hub
    operator = hub.client(hub.operator_key)
    # Given a submission accepted while the database is reachable
    first = hub.api.post("/v1/submissions", json=sample(), headers={"Idempotency-Key": "before"})
    assert first.status_code == 202, first.text
    status_url, events_url = first.json()["statusUrl"], first.json()["eventsUrl"]
    assert operator.get("/v1/operator/deliveries").status_code == 200  # the operator's key is known too

    # When the database stops accepting connections (and its live ones are gone)
    proxy.refuse()

    # Then intake, status, events, the operator's endpoints and readiness all answer 503 at once
    answers: list[httpx.Response] = []
    for n in range(3):
        started = time.monotonic()
        answers.append(hub.api.post("/v1/submissions", json=sample(), headers={"Idempotency-Key": f"during-{n}"}))
        assert time.monotonic() - started < ANSWER_BOUND_SECONDS
    answers += [hub.api.get(status_url), hub.api.get(events_url), operator.get("/v1/operator/deliveries")]
    answers += [operator.post("/v1/operator/replay", json={"ids": ["no-such-delivery"]}), hub.api.get("/readyz")]
    for answer in answers:
        _assert_unavailable(answer)
    # ... the problem type has its page, like every other
    assert hub.api.get(UNAVAILABLE).status_code == 200
    # ... and nothing was stored
    assert set(_stored(direct)) == {first.json()["id"]}

    # When the database is back
    proxy.restore()

    # Then the same process serves again, and the retried submissions are new ones (none was stored)
    assert hub.api.get("/readyz").status_code == 200
    retried = [
        hub.api.post("/v1/submissions", json=sample(), headers={"Idempotency-Key": f"during-{n}"}) for n in range(3)
    ]
    assert [r.status_code for r in retried] == [202, 202, 202], [r.text for r in retried]
    assert not any(r.headers.get("idempotent-replayed") for r in retried)
    assert hub.api.get(status_url).status_code == 200
    stored = _stored(direct)
    assert set(stored) == {first.json()["id"], *(r.json()["id"] for r in retried)}
    assert _incomplete(direct) == []


def test_connections_reset_mid_request_answer_503_never_500_and_store_exactly_the_accepted(
    outage_hub: RunningHub, proxy: TcpProxy, direct: Engine
) -> None:
    hub = outage_hub
    # Given portals posting without pause from 6 threads, each submission with its own key
    answers: dict[str, list[httpx.Response]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def portal(thread: int) -> None:
        with hub.client(hub.gladbeck_key) as api:
            n = 0
            while not stop.is_set():
                key = f"storm-{thread}-{n}"
                answer = api.post("/v1/submissions", json=sample(), headers={"Idempotency-Key": key})
                with lock:
                    answers[key] = [answer]
                n += 1

    def answered() -> int:
        with lock:
            return len(answers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        portals = [pool.submit(portal, t) for t in range(6)]
        # When the database's connections are reset five times while requests are in flight
        for _ in range(5):
            target = answered() + 12
            wait_for(lambda: answered() >= target, timeout=60, what="more intake answers")  # noqa: B023
            proxy.reset_live()
        target = answered() + 12
        wait_for(lambda: answered() >= target, timeout=60, what="intake answers after the resets")
        stop.set()
        for running in portals:
            running.result()

    # Then every answer was a 202 or a 503 problem with Retry-After, never a 500, and some hit a reset
    statuses = [responses[0].status_code for responses in answers.values()]
    assert set(statuses) <= {202, 503}, statuses
    failed = [key for key, responses in answers.items() if responses[0].status_code == 503]
    assert failed, "no request met a reset connection"
    for key in failed:
        _assert_unavailable(answers[key][0])

    # When the portals retry each 503 with its Idempotency-Key
    for key in failed:
        answers[key].append(hub.api.post("/v1/submissions", json=sample(), headers={"Idempotency-Key": key}))

    # Then each is accepted, and PostgreSQL holds exactly the accepted submissions, each whole, one per key
    assert all(answers[key][-1].status_code == 202 for key in failed), [answers[k][-1].text for k in failed]
    accepted = {key: responses[-1].json()["id"] for key, responses in answers.items()}
    stored = _stored(direct)
    assert len(stored) == len(accepted)
    assert set(stored.values()) == set(accepted)
    assert set(stored) == set(accepted.values())
    assert _incomplete(direct) == []


def _terminate_backends(direct: Engine) -> int:
    """pg_terminate_backend for every other session on the test database (the hub's, through the proxy)."""
    with direct.connect() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        others = text("SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()")
        pids = [row.pid for row in conn.execute(others, {"db": database})]
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    return len(pids)


def test_terminated_backends_are_replaced_without_a_500(outage_hub: RunningHub, direct: Engine) -> None:
    hub = outage_hub
    first = hub.api.post("/v1/submissions", json=sample())
    assert first.status_code == 202, first.text
    status_url = first.json()["statusUrl"]

    # Given the hub's backends terminated by an administrator right after it used them
    assert _terminate_backends(direct) >= 1

    # When the portal asks again at once
    answer = hub.api.get(status_url)

    # Then it gets its answer, or a 503 to retry, and the retry is answered
    if answer.status_code != 200:
        _assert_unavailable(answer)
        answer = hub.api.get(status_url)
    assert answer.status_code == 200, answer.text
    assert hub.api.post("/v1/submissions", json=sample()).status_code == 202

    # Given the backends terminated again, this time after the pool's connections sat idle
    used = time.monotonic()
    assert _terminate_backends(direct) >= 1
    wait_for(lambda: time.monotonic() - used > PING_AFTER_IDLE_SECONDS + 0.2, timeout=10, what="pool idle")

    # When the portal posts and reads, the idle connections' ping replaces them: no request fails
    posted = hub.api.post("/v1/submissions", json=sample())
    assert posted.status_code == 202, posted.text
    assert hub.api.get(posted.json()["statusUrl"]).status_code == 200
