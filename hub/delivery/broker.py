"""The dramatiq broker named by ``HUB_BROKER_URL`` and the one actor the hub declares on it.

The broker only carries nudges ("delivery X may be due"); the database holds the truth. So
dramatiq's Retries middleware is not installed (the retry policy lives in the database), and a lost
message costs only time: the sweeper re-enqueues whatever is due.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, ShutdownNotifications, TimeLimit

QUEUE = "hub-deliveries"
ACTOR = "deliver"


def make_broker(url: str) -> dramatiq.Broker:
    middleware = [AgeLimit(), TimeLimit(time_limit=15 * 60 * 1000), ShutdownNotifications()]
    if url.startswith("memory:"):
        broker: dramatiq.Broker = StubBroker(middleware=middleware)
        broker.emit_after("process_boot")
    elif url.startswith(("redis:", "rediss:", "unix:")):
        from hub.delivery.redis_broker import BatchingRedisBroker

        broker = BatchingRedisBroker(url=url, middleware=middleware, namespace="hub")
    elif url.startswith(("amqp:", "amqps:")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, middleware=middleware)
    else:
        raise ValueError(f"unsupported HUB_BROKER_URL {url!r}: use memory://, redis://... or amqp://...")
    return broker


@contextmanager
def batch(broker: dramatiq.Broker) -> Iterator[None]:
    """Group the enqueues inside into one round trip where the broker can (Redis)."""
    grouping = getattr(broker, "batch", None)
    if grouping is None:
        yield
        return
    with grouping():
        yield


def declare_deliver(broker: dramatiq.Broker, fn: Callable[[list[list[str]]], None]) -> dramatiq.Actor:  # type: ignore[type-arg]
    """Declare ``deliver([[delivery_id, destination_id], ...])`` on ``broker`` (not the global one)."""
    decorate = dramatiq.actor(actor_name=ACTOR, queue_name=QUEUE, broker=broker)
    return decorate(fn)


def queued_messages(broker: dramatiq.Broker) -> int | None:
    """How many deliver messages wait in the broker's queue, where the broker can tell (Redis);
    the sweeper takes an empty queue as a sign that nothing due is on its way."""
    client = getattr(broker, "client", None)
    namespace = getattr(broker, "namespace", None)
    if client is None or namespace is None:
        return None
    return int(client.llen(f"{namespace}:{QUEUE}"))
