"""The back-office simulator counts posts of one message that overlap (the fault suite's parallel sends)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from hub.sim.backoffice import create_backoffice_app
from hub.sim.kit.server import ServerThread
from tests.support.waiting import wait_for


@pytest.fixture
def sim() -> Iterator[httpx.Client]:
    with ServerThread(create_backoffice_app()) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def post(client: httpx.Client, message_id: str, system: str = "gladbeck") -> int:
    answer = client.post(
        f"/systems/{system}/messages", json={"id": message_id}, headers={"Idempotency-Key": message_id}
    )
    return answer.status_code


def parallel(client: httpx.Client) -> int:
    return int(client.get("/_sim/stats").json()["parallel"])


def test_a_second_post_while_the_first_is_still_answered_counts_as_parallel(sim: httpx.Client) -> None:
    # Given a receiver that takes 1.5 s over every answer
    sim.post("/_sim/faults", json={"mode": "latency", "latencyMs": 1500}).raise_for_status()

    # When the same message is posted twice at once (and a different one beside them)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda m=m: statuses.append(post(sim, m))) for m in ("m-1", "m-1", "m-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then exactly one post overlapped another of its message
    assert sorted(statuses) == [200, 201, 201]
    assert parallel(sim) == 1


def test_posts_one_after_the_other_and_to_other_systems_are_not_parallel(sim: httpx.Client) -> None:
    # When one message is posted three times in turn, and the same id to another system meanwhile
    sim.post("/_sim/faults", json={"mode": "latency", "latencyMs": 1000, "system": "herten"}).raise_for_status()
    other = threading.Thread(target=post, args=(sim, "m-1", "herten"))
    other.start()
    assert [post(sim, "m-1") for _ in range(3)] == [201, 200, 200]
    other.join(timeout=30)

    # Then none overlapped one of the same (system, message)
    assert parallel(sim) == 0


def test_a_post_the_client_gave_up_on_is_closed_at_once(sim: httpx.Client) -> None:
    # Given a receiver that hangs the first answer until the client gives up
    sim.post("/_sim/faults", json={"mode": "timeout", "count": 1}).raise_for_status()
    with pytest.raises(httpx.ReadTimeout):
        sim.post("/systems/gladbeck/messages", json={}, headers={"Idempotency-Key": "m-1"}, timeout=0.5)

    # When the receiver has noticed (the hang ends with the client's disconnect, not after 60 s)
    # and the client posts the message again
    wait_for(lambda: sim.get("/_sim/stats").json()["answering"] == 0, timeout=10, what="the post to close")
    status = post(sim, "m-1")

    # Then the abandoned post does not count as still open
    assert status == 201
    assert parallel(sim) == 0
