"""``load_region`` and the ``Router`` on the real Emscher-Lippe config and on small tmp files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.errors import ConfigError, RoutingError
from hub.routing import Region, Router, load_region
from tests.support.region import GLADBECK, REAL_CONFIG

KREIS = "05562000"
# The services of each town's own back offices (the Kreis offers none of them; see region.yaml)
MUNICIPAL_SERVICES = (
    "hundesteuer-anmeldung", "hundesteuer-abmeldung", "sperrmuell", "sondernutzung",
    "meldebescheinigung", "wohnberechtigungsschein", "zaehlerstandsmeldung", "handwerkerparkausweis",
)  # fmt: skip
UNKNOWN_AGS = "05999999"
TOWNS = 12
BACKOFFICE = {"id": "backoffice", "connector": "fachverfahren-rest", "settings": {"url": "x"}}


@pytest.fixture(scope="module")
def region() -> Region:
    return load_region(REAL_CONFIG)


@pytest.fixture(scope="module")
def router(region: Region) -> Router:
    return Router(region)


def write_region(directory: Path, **overrides: Any) -> Path:
    """A one-town region with one service and one destination, changed by ``overrides``."""
    raw: dict[str, Any] = {
        "region": "tmp",
        "name": "Tmp region",
        "municipalities": [{"ags": GLADBECK, "slug": "gladbeck", "name": "Gladbeck"}],
        "services": [{"id": "hundesteuer-anmeldung", "name": "Hundesteuer"}],
        "destinations": [BACKOFFICE],
        "routes": [
            {
                "service": "hundesteuer-anmeldung",
                "municipalities": "all",
                "destinations": ["backoffice"],
            }
        ],
        **overrides,
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "region.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return directory


def test_the_real_region_has_its_13_bodies_and_every_route_reaches_known_destinations(
    region: Region,
) -> None:
    # Given the Emscher-Lippe config as loaded
    # Then it has the 13 bodies: two kreisfreie Städte, the Kreis and its ten towns
    assert len(region.municipalities) == 13
    kinds = [m.kind for m in region.municipalities.values()]
    expected = ["kreisfreie-stadt"] * 2 + ["kreis"] + ["kreisangehoerige-stadt"] * 10
    assert sorted(kinds) == sorted(expected)
    assert all(len(ags) == 8 and ags.isdigit() for ags in region.municipalities)

    # And every route names destinations that exist: the Bauantrag for all 13 bodies, the other services
    # for the twelve towns
    assert region.routes
    for (service, ags), route in region.routes.items():
        assert service in region.services
        assert ags in region.municipalities
        assert route.destinations, (service, ags)
        for destination in route.destinations:
            assert destination in region.destinations, (service, ags, destination)
    for service in MUNICIPAL_SERVICES:
        assert len([ags for s, ags in region.routes if s == service]) == TOWNS, service
    assert {ags for service, ags in region.routes if service == "bauantrag"} == set(region.municipalities)
    for ags, body in region.municipalities.items():
        (destination,) = region.routes[("bauantrag", ags)].destinations
        assert destination == f"{body.slug}-bauportal"
        assert region.destinations[destination].connector == "bauportal-nrw"


def test_gladbeck_is_routed_to_its_own_back_office(router: Router) -> None:
    # Given the real region's router
    # When the Hundesteuer-Anmeldung of Gladbeck is routed
    destinations = router.destinations("hundesteuer-anmeldung", GLADBECK)

    # Then it goes to Gladbeck's Fachverfahren, and only there
    assert [d.id for d in destinations] == ["gladbeck-fachverfahren"]
    assert destinations[0].municipality == GLADBECK
    assert str(destinations[0].settings["url"]).endswith("/systems/gladbeck/messages")


def test_an_unknown_municipality_points_at_the_municipality(router: Router) -> None:
    # Given the real region's router
    # When a submission for an AGS outside the region is routed
    with pytest.raises(RoutingError) as caught:
        router.destinations("hundesteuer-anmeldung", UNKNOWN_AGS)

    # Then the error points at /municipality and names the AGS
    assert caught.value.pointer == "/municipality"
    assert UNKNOWN_AGS in str(caught.value)


def test_an_unknown_service_points_at_the_service(router: Router) -> None:
    # Given the real region's router
    # When a service the region does not know is routed
    with pytest.raises(RoutingError) as caught:
        router.destinations("fischereischein", GLADBECK)

    # Then the error points at /service and names it
    assert caught.value.pointer == "/service"
    assert "fischereischein" in str(caught.value)


def test_the_kreis_offers_none_of_the_towns_services(region: Region, router: Router) -> None:
    # Given the Kreis Recklinghausen, a body of the region that takes Bauanträge but none of the towns' services
    assert KREIS in region.municipalities
    assert router.destinations("bauantrag", KREIS)[0].id == "kreis-recklinghausen-bauportal"

    for service in MUNICIPAL_SERVICES:
        # When any of the region's services is routed for it
        with pytest.raises(RoutingError) as caught:
            router.destinations(service, KREIS)

        # Then the error points at /service: the body does not offer it
        assert caught.value.pointer == "/service", service
        assert "Kreis Recklinghausen does not offer" in str(caught.value)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "http://127.0.0.1:8101/systems/x|"),
        ({"HUB_TEST_REGION_URL": "https://fv.example.org"}, "https://fv.example.org/systems/x|"),
        ({"HUB_TEST_REGION_URL": ""}, "http://127.0.0.1:8101/systems/x|"),
        ({"HUB_TEST_REGION_TOKEN": "s3cret"}, "http://127.0.0.1:8101/systems/x|s3cret"),
    ],
    ids=["unset-uses-default", "set-wins", "empty-uses-default", "no-default"],
)
def test_variables_in_the_region_file_are_expanded_at_load_time(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    expected: str,
) -> None:
    # Given a region file whose destination settings use ${VAR:-default} and ${VAR}
    settings = {
        "url": "${HUB_TEST_REGION_URL:-http://127.0.0.1:8101}/systems/x",
        "token": "${HUB_TEST_REGION_TOKEN}",
    }
    directory = write_region(
        tmp_path / "region",
        destinations=[{**BACKOFFICE, "settings": settings}],
    )
    for name in ("HUB_TEST_REGION_URL", "HUB_TEST_REGION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    # When it is loaded
    loaded = load_region(directory).destinations["backoffice"].settings

    # Then each reference is replaced by the variable, or its default when unset or empty
    assert f"{loaded['url']}|{loaded['token']}" == expected


@pytest.mark.parametrize(
    ("named", "reported"),
    [("archiv", "archiv"), ("{slug}-archiv", "gladbeck-archiv")],
    ids=["plain", "template"],
)
def test_a_route_to_an_unknown_destination_is_a_config_error_naming_it(
    tmp_path: Path, named: str, reported: str
) -> None:
    # Given a region whose route names a destination that is not configured
    route = {"service": "hundesteuer-anmeldung", "municipalities": "all", "destinations": [named]}
    directory = write_region(tmp_path / "region", routes=[route])

    # When it is loaded
    with pytest.raises(ConfigError) as caught:
        load_region(directory)

    # Then the error names the destination (as expanded for the town) and the file
    assert f"unknown destination {reported!r}" in str(caught.value)
    assert str(directory / "region.yaml") in str(caught.value)
