"""Routes per inbound source: the domain's decision and the ``routes:`` of region.yaml, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from hub.connectors.inbound import SourceConfig
from hub.domain.inbound_routes import InboundRoute, route_destinations
from hub.errors import ConfigError
from hub.routing.inbound_config import inbound_sources

ANMELDUNG, ABMELDUNG, WOHNGELD = "abh.gewerbemeldung.0500", "abh.gewerbeabmeldung.0501", "99107023017000"
ROUTES = (
    InboundRoute(ANMELDUNG, ("gewerbe", "dms")),
    InboundRoute(WOHNGELD, ("wohngeld",)),
)
KNOWN = {"gewerbe", "dms", "wohngeld"}


def test_the_first_route_naming_the_message_type_wins_else_the_default() -> None:
    assert route_destinations(ROUTES, ("gewerbe",), ANMELDUNG) == ("gewerbe", "dms")
    assert route_destinations(ROUTES, ("gewerbe",), WOHNGELD) == ("wohngeld",)
    assert route_destinations(ROUTES, ("gewerbe",), ABMELDUNG) == ("gewerbe",)
    assert route_destinations((), ("gewerbe",), ANMELDUNG) == ("gewerbe",)
    assert route_destinations(ROUTES, (), ABMELDUNG) == ()
    twice = (InboundRoute(ANMELDUNG, ("dms",)), InboundRoute(ANMELDUNG, ("gewerbe",)))
    assert route_destinations(twice, (), ANMELDUNG) == ("dms",)


def _source(**extra: Any) -> dict[str, Any]:
    return {
        "id": "box",
        "source": "xta-msgbox",
        "municipality": "05562014",
        "accepts": ["xgewerbeanzeige"],
        "destinations": ["gewerbe"],
        **extra,
    }


def test_routes_are_read_in_order_and_decide_through_the_source_config() -> None:
    raw = _source(
        routes=[
            {"messageType": ANMELDUNG, "destinations": ["gewerbe", "dms"]},
            {"messageType": WOHNGELD, "destinations": ["wohngeld"]},
        ]
    )
    [config] = inbound_sources([raw], {"05562014"}, KNOWN).values()
    assert config.routes == ROUTES
    assert config.destinations_for(ANMELDUNG) == ("gewerbe", "dms")
    assert config.destinations_for(ABMELDUNG) == ("gewerbe",)
    assert SourceConfig("x", "xta-msgbox", "05562014", destinations=("a",)).destinations_for(ANMELDUNG) == ("a",)


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"messageType": ANMELDUNG}, "must be a list"),
        (["gewerbe"], "expected {messageType, destinations}"),
        ([{"destinations": ["dms"]}], "'messageType' is required"),
        ([{"messageType": ANMELDUNG, "destinations": []}], "non-empty list"),
        ([{"messageType": ANMELDUNG, "destinations": ["nowhere"]}], "unknown destinations ['nowhere']"),
        ([{"messageType": ANMELDUNG, "destinations": ["dms"], "service": "x"}], "unknown service"),
        ([{"messageType": ANMELDUNG, "destinations": ["dms"]}] * 2, "routed twice"),
    ],
)
def test_a_bad_route_is_refused_naming_the_source_and_the_entry(routes: Any, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        inbound_sources([_source(routes=routes)], {"05562014"}, KNOWN)
    assert message in str(refused.value)
    assert "'box'" in str(refused.value)
