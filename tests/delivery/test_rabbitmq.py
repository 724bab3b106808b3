"""A RabbitMQ URL works too: the same hub on PostgreSQL with ``HUB_BROKER_URL=amqp://...``.

RabbitMQ is required like PostgreSQL and Redis: when it is down the test fails, naming the URL
(``HUB_TEST_AMQP_URL``). The hub's queues are deleted before and after, so no run inherits or
leaves messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pika
import pika.exceptions
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.common import dq_name, xq_name

from hub.delivery.broker import QUEUE
from tests.conftest import RunningHub, _truncate, make_settings, start_hub, stop_hub
from tests.support.envelopes import sample
from tests.support.waiting import wait_for

AMQP_URL = os.environ.get("HUB_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
QUEUES = (QUEUE, dq_name(QUEUE), xq_name(QUEUE))


def _connect(url: str) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.connection_attempts = 1
    parameters.socket_timeout = 5
    parameters.blocked_connection_timeout = 5
    return pika.BlockingConnection(parameters)


def delete_queues(url: str) -> None:
    """Delete the hub's queues (deleting a queue that does not exist is fine in RabbitMQ)."""
    connection = _connect(url)
    try:
        channel = connection.channel()
        for name in QUEUES:
            channel.queue_delete(queue=name)
    finally:
        connection.close()


def ready_messages(url: str, queue: str) -> int:
    """Messages waiting in ``queue``; fails if the queue does not exist."""
    connection = _connect(url)
    try:
        declared = connection.channel().queue_declare(queue=queue, passive=True)
        return int(declared.method.message_count)
    finally:
        connection.close()


def is_delivered(hub: RunningHub, submission_id: str) -> bool:
    status: dict[str, Any] = hub.api.get(f"/v1/submissions/{submission_id}").json()
    return bool(status["status"] == "delivered")


@pytest.fixture
def amqp_url() -> Iterator[str]:
    try:
        delete_queues(AMQP_URL)
    except (pika.exceptions.AMQPError, OSError) as exc:
        pytest.fail(f"RabbitMQ is required at {AMQP_URL} (HUB_TEST_AMQP_URL): {exc!r}")
    yield AMQP_URL
    delete_queues(AMQP_URL)


@pytest.fixture
def rabbit_hub(
    postgres_url: str,
    amqp_url: str,
    region_dir: Path,
    sim: httpx.Client,
) -> Iterator[RunningHub]:
    _truncate(postgres_url)
    running = start_hub(make_settings(postgres_url, region_dir, broker_url=amqp_url))
    yield running
    stop_hub(running)


def test_a_rabbitmq_broker_delivers_submissions(
    rabbit_hub: RunningHub,
    amqp_url: str,
    sim: httpx.Client,
) -> None:
    # Given a hub on PostgreSQL whose broker is RabbitMQ, with its worker in process
    assert isinstance(rabbit_hub.ctx.broker, RabbitmqBroker)

    # When three submissions are made
    ids = []
    for n in range(3):
        envelope = sample(portalReference=f"GLA-2026-{n:06d}")
        answer = rabbit_hub.api.post("/v1/submissions", json=envelope)
        assert answer.status_code == 202, answer.text
        ids.append(str(answer.json()["id"]))

    # Then each is delivered once, having gone through the hub's RabbitMQ queue
    for submission_id in ids:
        wait_for(
            partial(is_delivered, rabbit_hub, submission_id),
            timeout=20,
            what=f"{submission_id} delivered over RabbitMQ",
        )
    received = sim.get("/_sim/messages", params={"system": "gladbeck"}).json()
    assert sorted(m["body"]["nachricht"]["einreichungId"] for m in received) == sorted(ids)
    assert ready_messages(amqp_url, QUEUE) == 0
