"""The router serves catalogued services by key through the generic path; the region's own win."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.catalogue import ServiceKind
from hub.config import PROJECT_ROOT
from hub.errors import ConfigError, RoutingError
from hub.routing import Router, load_region
from hub.routing.generic_path import service_id

REGION = PROJECT_ROOT / "config" / "emscher-lippe"


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(load_region(REGION))


def test_a_catalogued_municipal_service_goes_to_the_municipalitys_dms(router: Router) -> None:
    generic = router.region.generic
    assert generic is not None
    key = next(k for k in sorted(generic.catalogue.of_kind(ServiceKind.MUNICIPAL)) if k not in generic.overridden)
    service = router.service(service_id(key))
    assert service.leika == key
    assert service.form is generic.form
    assert [d.id for d in router.destinations(service_id(key), "05562014")] == ["gladbeck-dms"]
    assert [d.id for d in router.destinations(service_id(key), "05562000")] == ["kreis-recklinghausen-dms"]


def test_a_federal_service_is_not_offered_and_an_unknown_key_is_unknown(router: Router) -> None:
    generic = router.region.generic
    assert generic is not None
    federal = sorted(generic.catalogue.of_kind(ServiceKind.FEDERAL))[0]
    with pytest.raises(RoutingError, match="does not offer") as refused:
        router.destinations(service_id(federal), "05562014")
    assert refused.value.pointer == "/service"
    with pytest.raises(RoutingError, match="unknown service"):
        router.destinations("leika-00000000000000", "05562014")


def test_a_key_the_region_has_a_service_for_is_refused_naming_that_service(router: Router) -> None:
    generic = router.region.generic
    assert generic is not None
    services = router.region.services.values()
    assert any(s.leika for s in services), "the region's services carry LeiKa keys"
    for service in services:
        if service.leika:
            assert service.id in generic.overridden[service.leika]
            with pytest.raises(RoutingError, match=f"has a form of its own here: submit it as .*'{service.id}'"):
                router.destinations(service_id(service.leika), "05562014")


def test_services_that_share_a_key_are_all_named(tmp_path: Path) -> None:
    # Given two of the region's services with the same LeiKa key
    target = tmp_path / "shared-key"
    shutil.copytree(REGION, target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    first, second = document["services"][0], document["services"][1]
    second["leika"] = first["leika"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    router = Router(load_region(target))

    # Then the generic path refuses the key naming both
    with pytest.raises(RoutingError) as refused:
        router.destinations(service_id(first["leika"]), "05562014")
    assert f"'{first['id']}'" in str(refused.value)
    assert f"'{second['id']}'" in str(refused.value)


def narrowed_region(tmp_path: Path, offered: dict[str, Any]) -> Router:
    """The demo region copied with ``catalogue.offered`` replaced."""
    target = tmp_path / "region"
    shutil.copytree(REGION, target)
    path = target / "region.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["catalogue"]["offered"] = offered
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return Router(load_region(target))


def test_a_body_narrowed_to_a_list_or_to_none_routes_only_what_its_rule_offers(tmp_path: Path) -> None:
    # Given Gladbeck offering one federal key only, Bottrop nothing, the rest every municipal service
    whole = load_region(REGION).generic
    assert whole is not None
    municipal = next(k for k in sorted(whole.catalogue.of_kind(ServiceKind.MUNICIPAL)) if k not in whole.overridden)
    federal = sorted(whole.catalogue.of_kind(ServiceKind.FEDERAL))[0]
    router = narrowed_region(tmp_path, {"default": "municipal", "05562014": [int(federal)], "05512000": "none"})
    generic = router.region.generic
    assert generic is not None

    # Then the list and "none" win over the default, for routing and for offered_by
    assert [d.id for d in router.destinations(service_id(federal), "05562014")] == ["gladbeck-dms"]
    for ags in ("05562014", "05512000"):
        with pytest.raises(RoutingError, match="does not offer"):
            router.destinations(service_id(municipal), ags)
    assert [d.id for d in router.destinations(service_id(municipal), "05513000")] == ["gelsenkirchen-dms"]
    assert generic.offered_by(generic.catalogue.entries[federal]) == ("05562014",)
    everyone_else = tuple(sorted(set(router.region.municipalities) - {"05562014", "05512000"}))
    assert generic.offered_by(generic.catalogue.entries[municipal]) == everyone_else


def test_an_offer_rule_that_is_not_one_refuses_the_region(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"catalogue.offered 05562014: expected municipal, all, none"):
        narrowed_region(tmp_path, {"05562014": "some"})
