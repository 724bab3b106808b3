"""The connector pool: one instance per destination while its configuration stays the same."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from hub.config import PROJECT_ROOT
from hub.connectors.base import Connector, ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.pool import ConnectorPool
from hub.connectors.registry import ConnectorRegistry
from hub.mapping.catalog import MappingCatalog


class Adjusting(Connector):
    """Like ``bauportal-nrw``: fills defaults into the destination it is given."""

    name = "adjusting"
    closed: ClassVar[list[str]] = []

    def __init__(self, destination: Destination, context: ConnectorContext) -> None:
        super().__init__(replace(destination, settings={"default": 1, **destination.settings}), context)

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        raise NotImplementedError

    def send(self, message: OutboundMessage) -> Receipt:
        raise NotImplementedError

    def close(self) -> None:
        self.closed.append(str(self.destination.settings.get("url")))


def pool() -> ConnectorPool:
    context = ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"))
    return ConnectorPool(ConnectorRegistry(extra={"adjusting": Adjusting}), context)


def destination(**settings: Any) -> Destination:
    return Destination("d", "D", "adjusting", settings=settings)


def test_a_connector_that_adjusts_its_destination_is_still_reused() -> None:
    # Given a pool and a connector class that rewrites the destination it is given
    connectors = pool()

    # When the same destination is asked for twice
    first, second = connectors.get(destination(url="a")), connectors.get(destination(url="a"))

    # Then it is one instance (its clients, caches and XTA confirmation memory survive between attempts)
    assert first is second
    assert first.destination.settings == {"default": 1, "url": "a"}


def test_a_changed_destination_gets_a_new_connector_and_the_old_one_is_closed_with_the_pool() -> None:
    connectors = pool()
    Adjusting.closed.clear()
    old = connectors.get(destination(url="a"))

    new = connectors.get(destination(url="b"))

    assert new is not old
    assert Adjusting.closed == []  # the old one may still be sending on another thread
    connectors.close()
    assert sorted(Adjusting.closed) == ["a", "b"]
