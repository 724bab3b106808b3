"""The connector registry: connectors found through the ``hub.connectors`` entry points, plus in-process extras."""

from __future__ import annotations

import pytest

from connectors.fachverfahren.rest import RestConnector
from hub.connectors.base import Connector, OutboundMessage, Receipt, SubmissionData
from hub.connectors.callback import PortalCallbackConnector
from hub.connectors.registry import ConnectorRegistry, UnknownConnector
from hub.errors import ConfigError


class EchoConnector(Connector):
    """A connector that exists only in this test."""

    name = "test-echo"

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        return OutboundMessage(message_id=message_id, media_type="text/plain", body=submission.id.encode())

    def send(self, message: OutboundMessage) -> Receipt:
        return Receipt(reference=message.message_id, status_code=200)


def test_installed_entry_points_provide_the_projects_connectors() -> None:
    # Given a registry over the installed entry points only
    registry = ConnectorRegistry()

    # When its names are listed
    names = registry.names()

    # Then both connectors the project declares are there, in sorted order
    assert {"fachverfahren-rest", "portal-callback"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("fachverfahren-rest", RestConnector), ("portal-callback", PortalCallbackConnector)],
)
def test_get_loads_the_connector_class_named_like_its_entry_point(name: str, expected: type[Connector]) -> None:
    # Given a registry over the installed entry points
    registry = ConnectorRegistry()

    # When a connector is looked up by its entry-point name
    cls = registry.get(name)

    # Then it is that Connector subclass, its name matches, and a second lookup gives the same class
    assert cls is expected
    assert issubclass(cls, Connector)
    assert cls.name == name
    assert registry.get(name) is cls
    assert registry.describe(name) == f"{expected.__module__}:{expected.__qualname__}"


def test_an_unknown_name_raises_unknown_connector_listing_the_known_names() -> None:
    # Given a registry over the installed entry points
    registry = ConnectorRegistry()

    # When a name nobody declared is looked up
    with pytest.raises(UnknownConnector) as info:
        registry.get("fax-machine")

    # Then the error is a configuration error naming the wanted and all known connectors
    message = str(info.value)
    assert isinstance(info.value, ConfigError)
    assert "'fax-machine'" in message
    for known in registry.names():
        assert known in message


def test_extra_mapping_registers_an_in_test_connector_next_to_the_entry_points() -> None:
    # Given a registry with an extra connector class handed in directly
    registry = ConnectorRegistry(extra={EchoConnector.name: EchoConnector})

    # When names are listed and the extra is looked up
    names = registry.names()
    cls = registry.get("test-echo")

    # Then the extra is listed beside the installed connectors and returned as is
    assert {"fachverfahren-rest", "portal-callback", "test-echo"} <= set(names)
    assert cls is EchoConnector
    assert registry.describe("test-echo") == f"{__name__}:EchoConnector"
    with pytest.raises(UnknownConnector, match="test-echo"):
        registry.get("fax-machine")
