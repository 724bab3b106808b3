"""The router serves catalogued services by key through the generic path; the region's own win."""

from __future__ import annotations

import pytest

from hub.catalogue import ServiceKind
from hub.config import PROJECT_ROOT
from hub.errors import RoutingError
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
    own = {s.leika: s.id for s in router.region.services.values() if s.leika}
    assert own, "the region's services carry LeiKa keys"
    key, service = sorted(own.items())[0]
    assert generic.overridden[key] == service
    with pytest.raises(RoutingError, match=f"submit it as '{service}'"):
        router.destinations(service_id(key), "05562014")
