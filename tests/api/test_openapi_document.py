"""The served OpenAPI document: valid, per-route security, every error as problem+json, and a
submission schema (one branch per service) that takes every sample of the region and refuses what
intake refuses."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from hub.api import catalogued_branch as catalogued
from hub.api.openapi import build_document
from hub.api.submission_schema import SubmissionContract, build_contract
from hub.routing.region import load_region
from tests.conftest import RunningHub
from tests.support.envelopes import attachment, sample
from tests.support.region import GLADBECK, HERTEN, KREIS, REAL_CONFIG

PUBLIC = {"/healthz", "/readyz", "/metrics", "/problems/{kind}", "/schemas/{service}/{version}"}
CALLBACK = "/v1/fit-connect/callbacks/{destination_id}"


@pytest.fixture
def document(hub: RunningHub) -> dict[str, Any]:
    answer = httpx.get(f"{hub.url}/openapi.json")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)  # raises on any violation of OpenAPI 3.1
    assert document["openapi"].startswith("3.1")


def test_security_is_per_route_and_secured_routes_document_401(document: dict[str, Any]) -> None:
    assert "security" not in document
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path in PUBLIC or path == CALLBACK:
                assert operation["security"] == [], (method, path)
                assert "401" not in operation["responses"] or path == CALLBACK, (method, path)
            else:
                assert operation["security"] == [{"apiKey": []}], (method, path)
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
    callback = document["paths"][CALLBACK]["post"]
    headers = {p["name"]: p for p in callback["parameters"] if p["in"] == "header"}
    assert headers["callback-authentication"]["required"]
    assert headers["callback-timestamp"]["required"]
    assert {"204", "401", "404"} <= set(callback["responses"])


def test_every_error_is_problem_json_and_503_says_when_to_retry(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                if status == "503":
                    assert "Retry-After" in response["headers"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_statuses_each_route_can_answer_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]

    def statuses(path: str, method: str = "get") -> set[str]:
        return set(paths[path][method]["responses"])

    assert {"202", "400", "409", "413", "415", "422", "503"} <= statuses("/v1/submissions", "post")
    assert {"200", "404", "422", "503"} <= statuses("/v1/submissions/{submission_id}")
    assert {"200", "404", "422", "503"} <= statuses("/v1/submissions/{submission_id}/events")
    assert {"200", "400", "413", "415", "422", "503"} <= statuses("/v1/operator/replay", "post")
    assert {"200", "503"} <= statuses("/readyz")
    assert {"200", "404"} <= statuses("/problems/{kind}")
    assert {"200", "404"} <= statuses("/schemas/{service}/{version}")
    after = next(
        p for p in paths["/v1/submissions/{submission_id}/events"]["get"]["parameters"] if p["name"] == "after"
    )
    assert after["schema"]["maximum"] == 2**63 - 1
    assert after["schema"]["minimum"] == 0


def test_metrics_are_documented_and_served_as_prometheus_text(hub: RunningHub, document: dict[str, Any]) -> None:
    documented = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(documented) == ["text/plain; version=0.0.4; charset=utf-8"]
    assert httpx.get(f"{hub.url}/metrics").headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"


def _validator(document: dict[str, Any]) -> Draft202012Validator:
    body = {"$ref": "#/components/schemas/SubmissionRequest", "components": document["components"]}
    return Draft202012Validator(body, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_served_submission_schema_types_each_service_of_the_test_region(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    body = schemas["SubmissionRequest"]
    assert body["discriminator"]["propertyName"] == "service"
    services = {ref.rsplit("/", 1)[-1].removeprefix("Submission-") for ref in body["discriminator"]["mapping"].values()}
    assert services == {"hundesteuer-anmeldung", "sperrmuell", "sondernutzung"}
    branch = schemas["Submission-hundesteuer-anmeldung"]
    assert branch["properties"]["service"] == {"const": "hundesteuer-anmeldung"}
    assert branch["properties"]["municipality"]["enum"] == sorted([GLADBECK, HERTEN])
    assert schemas["Form-hundesteuer-anmeldung"]["required"] == ["startDate", "dogs"]
    assert "pdf" in str(schemas["Attachment-hundesteuer-anmeldung"]["properties"]["mediaType"]["enum"])
    assert schemas["Submission-sondernutzung"]["x-cross-checks"][0]["check"] == "date-order"
    validator = _validator(document)
    assert validator.is_valid(sample())
    assert not validator.is_valid(sample(municipality=KREIS))


@pytest.fixture(scope="module")
def region_contract() -> SubmissionContract:
    return build_contract(load_region(REAL_CONFIG))


@pytest.fixture(scope="module")
def region_document(region_contract: SubmissionContract) -> dict[str, Any]:
    """The components the Emscher-Lippe region's hub serves, in a document of their own."""
    return build_document(FastAPI(title="region", version="0"), region_contract)


def _invalid_variants() -> list[tuple[str, dict[str, Any] | list[int]]]:
    """The bad-input classes of tests/api/test_intake.py that concern the body's data."""
    bad_form = sample()
    bad_form["form"]["dogs"][0].pop("breed", None)
    bad_date = sample()
    bad_date["applicant"]["birthDate"] = "12.04.1980"
    blank_name = sample()
    blank_name["applicant"]["givenName"] = "   "
    no_names = sample()
    del no_names["applicant"]["familyName"]
    return [
        ("not-an-object", [1, 2]),
        ("unknown-service", sample(service="hochzeitsanmeldung")),
        ("unknown-municipality", sample(municipality="05111000")),
        ("no-route", sample(municipality=KREIS)),
        ("form-violation", bad_form),
        ("envelope-violation", bad_date),
        ("unknown-field", sample(colour="blue")),
        ("attachment-base64", sample(attachments=[{**attachment(), "content": "***"}])),
        ("attachment-type", sample(attachments=[{**attachment(), "mediaType": "application/x-msdownload"}])),
        ("blank-name", blank_name),
        ("person-without-family-name", no_names),
        ("nul-character", sample(portalReference="GLA\x00")),
    ]


def test_the_region_schema_accepts_every_sample(region_document: dict[str, Any]) -> None:
    validator = _validator(region_document)
    samples = sorted((REAL_CONFIG / "samples").glob("*.json"))
    assert len(samples) >= 14
    for path in samples:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(envelope)]
        assert not errors, (path.name, errors[:5])


def test_every_service_has_its_sample_as_example(region_contract: SubmissionContract) -> None:
    samples = {path.stem for path in (REAL_CONFIG / "samples").glob("*.json")}
    # and the generic path its own (region.yaml catalogue.sample)
    assert set(region_contract.examples) == samples | {catalogued.NAME}
    assert set(region_contract.services) == samples


def test_the_generic_example_is_a_catalogued_service_the_schema_accepts(
    region_contract: SubmissionContract, region_document: dict[str, Any]
) -> None:
    example = region_contract.examples[catalogued.NAME]["value"]
    assert example["service"].startswith("leika-")
    assert _validator(region_document).is_valid(example)


@pytest.mark.parametrize(("case", "envelope"), _invalid_variants(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_region_schema_rejects_what_intake_rejects(
    region_document: dict[str, Any], case: str, envelope: dict[str, Any] | list[int]
) -> None:
    assert not _validator(region_document).is_valid(copy.deepcopy(envelope)), case
