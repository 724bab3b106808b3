"""The simulator's Routing API answers what routing-api-2.0.0.yaml promises, and its keys pass the hub's checks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft4Validator
from jsonschema.validators import extend

from connectors.fitconnect.keys import checked_encryption_key
from hub.errors import PermanentError
from hub.sim.fitconnect.pki import CertificateAuthority
from tests.support.fitconnect import LEIKA, STANDARDS, RunningFitConnect


def _openapi() -> dict[str, Any]:
    return dict(yaml.safe_load((STANDARDS / "fit-connect" / "routing-api-2.0.0.yaml").read_text(encoding="utf-8")))


def _validator(name: str) -> Any:
    """A validator of one of the YAML's component schemas (OpenAPI 3.0 schemas are JSON Schema draft 4 + extras)."""
    spec = _openapi()
    openapi_validator = extend(Draft4Validator)
    return openapi_validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_routes_answer_is_a_valid_route_result(fitconnect: RunningFitConnect) -> None:
    # Given the Routing API's parameters as the YAML declares them
    parameters = _openapi()["components"]["parameters"]
    leika, ars = LEIKA["wohngeld-antrag"], "055620014014"
    Draft4Validator(parameters["leika-key"]["schema"]).validate(leika)
    Draft4Validator(parameters["ars"]["schema"]).validate(ars)

    # When the hub's question is asked
    answer = httpx.get(f"{fitconnect.url}/routing/routes", params={"leikaKey": leika, "ars": ars}).json()

    # Then the answer is a route-result with exactly Gladbeck's destination
    errors = list(_validator("route-result").iter_errors(answer))
    assert errors == []
    assert answer["count"] == 1
    assert answer["routes"][0]["destinationName"] == "Sozialamt Gladbeck"


def test_a_key_published_by_the_simulator_is_a_valid_jwk_and_passes_the_checks(fitconnect: RunningFitConnect) -> None:
    # Given a destination of the simulator
    destination = next(iter(fitconnect.sim.state.destinations.values()))

    # When its public key is checked against the YAML's jwk schema and the hub's requirements
    jwk = destination.key.public_jwk
    errors = list(_validator("jwk").iter_errors(jwk))
    key = checked_encryption_key(jwk, [fitconnect.sim.state.ca.certificate])

    # Then both accept it
    assert errors == []
    assert key.kid == jwk["kid"]


def test_a_key_from_an_untrusted_chain_or_without_wrap_key_is_refused(fitconnect: RunningFitConnect) -> None:
    # Given the simulator's key, a root nobody configured, and a copy of the key without wrapKey
    jwk = next(iter(fitconnect.sim.state.destinations.values())).key.public_jwk
    stranger = CertificateAuthority.create("Some other root")

    # When / Then each is refused for good
    with pytest.raises(PermanentError, match="trusted root"):
        checked_encryption_key(jwk, [stranger.certificate])
    with pytest.raises(PermanentError, match="wrapKey"):
        checked_encryption_key({**jwk, "key_ops": ["verify"]}, [fitconnect.sim.state.ca.certificate])
    other = next(reversed(fitconnect.sim.state.destinations.values())).key.public_jwk
    with pytest.raises(PermanentError, match="differs from its certificate"):
        checked_encryption_key({**jwk, "n": other["n"]}, [fitconnect.sim.state.ca.certificate])
