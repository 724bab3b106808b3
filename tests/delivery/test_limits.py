"""The destination limits' rules, held by both implementations: in one process and shared in Redis.

Each test runs against :class:`LocalLimits` and against :class:`RedisLimits` on the real Redis, so
the embedded default and the deployment-wide store agree on every rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import redis

from hub.connectors.base import CircuitSettings, Destination, RateLimit
from hub.delivery.limits import Admission, DestinationLimits, LocalLimits
from hub.delivery.limits_redis import RedisLimits
from hub.domain.circuit import CircuitState
from tests.support.waiting import wait_for

MakeLimits = Callable[..., DestinationLimits]


@pytest.fixture(params=["local", "redis"])
def make_limits(request: pytest.FixtureRequest) -> Iterator[MakeLimits]:
    made: list[DestinationLimits] = []

    def make(threads: int = 8, share: float = 0.5, slot_seconds: float = 10.0) -> DestinationLimits:
        if request.param == "local":
            limits: DestinationLimits = LocalLimits(threads, share)
        else:
            url = request.getfixturevalue("redis_url")
            limits = RedisLimits(url, threads, share, slot_seconds=slot_seconds)
        made.append(limits)
        return limits

    yield make
    for limits in made:
        limits.close()


def destination(**changes: object) -> Destination:
    values: dict[str, object] = {
        "id": "gladbeck-fachverfahren",
        "name": "Fachverfahren Gladbeck",
        "connector": "fachverfahren-rest",
        "concurrency": 2,
        "circuit": CircuitSettings(failure_threshold=2, open_seconds=0.5),
        **changes,
    }
    return Destination(**values)  # type: ignore[arg-type]


def admit(
    limits: DestinationLimits, d: Destination, holder: str, want: int = 1, probe_seconds: float = 5.0
) -> Admission:
    return limits.admit(d, holder, want=want, cost=1, probe_seconds=probe_seconds)


def test_concurrency_slots_are_held_until_finished(make_limits: MakeLimits) -> None:
    limits, d = make_limits(), destination()
    first, second = admit(limits, d, "a"), admit(limits, d, "b")
    assert first.granted
    assert second.granted
    third = admit(limits, d, "c")
    assert not third.granted
    assert third.reason in ("busy", "thread_share")
    limits.finish(d, first, ups=1)
    assert admit(limits, d, "c").granted
    limits.finish(d, first, ups=1)  # a second finish gives nothing back twice
    assert not admit(limits, d, "e").granted


def test_one_destination_holds_at_most_its_share_of_a_process_threads(make_limits: MakeLimits) -> None:
    limits, d = make_limits(threads=4, share=0.5), destination(concurrency=8)
    granted = [admit(limits, d, f"h{i}") for i in range(4)]
    assert [a.granted for a in granted] == [True, True, False, False]
    assert granted[2].reason == "thread_share"


def test_the_rate_limit_spreads_sends(make_limits: MakeLimits) -> None:
    limits, d = make_limits(), destination(concurrency=8, rate_limit=RateLimit(per_second=10, burst=2))
    first = admit(limits, d, "a", want=5)
    assert first.granted
    assert first.sends == 2
    limits.finish(d, first, ups=2)
    later = admit(limits, d, "b", want=5)
    assert not later.granted
    assert later.reason == "rate_limited"
    assert 0 < later.wait_seconds <= 0.15
    refused_at = time.monotonic()
    time.sleep(later.wait_seconds + 0.02)
    sends = admit(limits, d, "c", want=5).sends
    # One token is back after the wait; a loaded machine that overslept by a tenth of a second or
    # more may have refilled a second one (burst 2), never more.
    overslept = time.monotonic() - refused_at - later.wait_seconds
    assert 1 <= sends <= min(2, int(1 + 10 * overslept + 0.05))


def test_failures_open_the_circuit_and_one_probe_closes_it(make_limits: MakeLimits) -> None:
    limits, d = make_limits(), destination()
    for holder in ("a", "b"):
        limits.finish(d, admit(limits, d, holder), down=True)
    assert limits.circuit_state(d.id) is CircuitState.OPEN
    closed_out = admit(limits, d, "c")
    assert not closed_out.granted
    assert closed_out.reason == "circuit_open"
    wait_for(lambda: limits.circuit_state(d.id) is CircuitState.HALF_OPEN, timeout=3, what="half-open")
    probe = admit(limits, d, "d", want=4)
    assert probe.granted
    assert probe.probe
    assert probe.sends == 1
    assert probe.change is not None
    assert probe.change.state is CircuitState.HALF_OPEN
    assert not admit(limits, d, "e").granted  # one probe at a time
    change = limits.finish(d, probe, ups=1)
    assert change is not None
    assert change.state is CircuitState.CLOSED
    assert admit(limits, d, "f").granted


def test_a_probe_without_a_verdict_is_given_back_and_a_failed_one_reopens(make_limits: MakeLimits) -> None:
    limits, d = make_limits(), destination()
    for holder in ("a", "b"):
        limits.finish(d, admit(limits, d, holder), down=True)
    wait_for(lambda: limits.circuit_state(d.id) is CircuitState.HALF_OPEN, timeout=3, what="half-open")
    probe = admit(limits, d, "p")
    assert probe.probe
    assert limits.finish(d, probe) is None  # not sent (e.g. the database failed): no verdict
    again = admit(limits, d, "q")
    assert again.probe
    change = limits.finish(d, again, down=True)
    assert change is not None
    assert change.state is CircuitState.OPEN
    assert change.open_until is not None


def test_a_probe_whose_holder_died_is_forfeit(make_limits: MakeLimits) -> None:
    limits, d = make_limits(), destination()
    for holder in ("a", "b"):
        limits.finish(d, admit(limits, d, holder), down=True)
    wait_for(lambda: limits.circuit_state(d.id) is CircuitState.HALF_OPEN, timeout=3, what="half-open")
    assert admit(limits, d, "crashing", probe_seconds=0.3).probe  # never finished
    # a fresh process (no local memory of the holder) gets the next probe once it is forfeit
    assert wait_for(lambda: admit(limits, d, "next").probe, timeout=3, what="the next probe")


def test_an_operator_reset_closes_the_circuit(make_limits: MakeLimits) -> None:
    limits, d = make_limits(), destination()
    for holder in ("a", "b"):
        limits.finish(d, admit(limits, d, holder), down=True)
    limits.reset(d.id)
    assert limits.circuit_state(d.id) is CircuitState.CLOSED
    assert admit(limits, d, "c").granted


def test_shared_slots_of_a_killed_process_free_themselves(redis_url: str) -> None:
    d = destination()
    dead_process = RedisLimits(redis_url, 8, slot_seconds=0.5)
    assert admit(dead_process, d, "a").granted
    assert admit(dead_process, d, "b").granted
    other = RedisLimits(redis_url, 8, slot_seconds=0.5)
    assert not admit(other, d, "c").granted
    wait_for(lambda: admit(other, d, "c").granted, timeout=3, what="expired slots")


def test_shared_limits_survive_a_flush(redis_url: str) -> None:
    d = destination()
    limits = RedisLimits(redis_url, 8)
    for holder in ("a", "b"):
        limits.finish(d, admit(limits, d, holder), down=True)
    assert limits.circuit_state(d.id) is CircuitState.OPEN
    redis.Redis.from_url(redis_url).flushdb()
    assert limits.circuit_state(d.id) is CircuitState.CLOSED
    held = admit(limits, d, "c")
    assert held.granted
    limits.finish(d, held, ups=1)


def test_shared_limits_survive_a_restart_that_lost_the_scripts(redis_url: str) -> None:
    # Given limits whose scripts Redis no longer knows (a restart empties its script cache)
    d = destination()
    limits = RedisLimits(redis_url, 8)
    limits.finish(d, admit(limits, d, "a"), ups=1)
    redis.Redis.from_url(redis_url).script_flush()
    # When a batch is admitted and finished
    held = admit(limits, d, "b")
    # Then the scripts are loaded again and the rules hold as before
    assert held.granted
    limits.finish(d, held, down=True)
    limits.finish(d, admit(limits, d, "c"), down=True)
    assert limits.circuit_state(d.id) is CircuitState.OPEN
    limits.close()
