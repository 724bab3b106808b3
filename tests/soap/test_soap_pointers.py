"""Field errors of JSON-target receivers name the portal's field: SOAP by vendor WSDL and FIT-Connect.

Over HTTP for the SOAP target (the vendor simulator's WSDL): a control character the XML request
cannot carry and a value a mapping function makes used to be reported at the empty pointer. The
FIT-Connect data schema's errors used to name only ``/form``.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from connectors.fachverfahren.soap import SoapConnector
from connectors.sozialplattform.connector import SozialplattformConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.errors import MappingError
from hub.mapping.catalog import MappingCatalog
from tests.soap.conftest import SoapHub
from tests.soap.soap_support import received
from tests.soap.test_soap_connector import MESSAGE_ID, destination, submission
from tests.support.envelopes import sample
from tests.support.rows import row_counts

NOTHING = {"submission": 0, "delivery": 0, "event": 0, "attachment": 0}


def refused(hub_answer: httpx.Response) -> list[dict[str, str]]:
    assert hub_answer.status_code == 422, hub_answer.text
    problem = hub_answer.json()
    assert problem["type"] == "/problems/validation-error"
    errors: list[dict[str, str]] = problem["errors"]
    return errors


def test_a_control_character_the_request_cannot_carry_names_its_field(
    soap_hub: SoapHub, vendor_sim: httpx.Client
) -> None:
    # Given a dog's breed with a control character (the form takes it, XML cannot)
    hub = soap_hub()
    envelope = sample()
    envelope["form"]["dogs"][0]["breed"] = "Labrador\x01Mischling"

    # When it is submitted, then intake refuses it at the breed, and nothing is stored or sent
    (error,) = refused(hub.api.post("/v1/submissions", json=envelope))
    assert error["pointer"] == "/form/dogs/0/breed"
    assert error["location"] == "VorgangAnlegen/Hunde/Hund[1]/Rasse"
    assert "contains characters XML cannot carry" in error["detail"]
    assert row_counts(hub) == NOTHING
    assert received(vendor_sim) == []


def test_a_value_a_mapping_function_makes_names_the_fields_it_is_made_of(
    soap_hub: SoapHub, vendor_sim: httpx.Client
) -> None:
    # Given names that each fit (100 characters) but whose "Familienname, Vorname" (202) does not fit
    # the vendor's Name (200)
    hub = soap_hub()
    envelope = sample()
    envelope["applicant"].update(familyName="F" * 100, givenName="G" * 100)

    (error,) = refused(hub.api.post("/v1/submissions", json=envelope))

    # Then the applicant is named (the function reads its names), not the whole submission
    assert error["pointer"] == "/applicant"
    assert error["location"] == "VorgangAnlegen/Antragsteller/Name"
    assert "maximum length of '200'" in error["detail"]
    assert row_counts(hub) == NOTHING


def copied_spec(tmp_path: Path, name: str, change: Any) -> ConnectorContext:
    """A catalog holding a changed copy of one spec (and the data schemas it refers to)."""
    source = PROJECT_ROOT / "mappings" / name
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(spec)
    (tmp_path / name).write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    shutil.copytree(PROJECT_ROOT / "mappings" / "schemas", tmp_path / "schemas")
    return ConnectorContext(mappings=MappingCatalog.load(tmp_path))


def test_a_function_rule_with_a_declared_pointer_is_named_there(tmp_path: Path) -> None:
    # Given the SOAP spec with the display name's rule declaring the field it stands for
    def declare(spec: dict[str, Any]) -> None:
        (rule,) = [f for f in spec["fields"] if f["target"] == "/Antragsteller/Name"]
        rule["pointer"] = "/applicant/familyName"

    context = copied_spec(tmp_path, "hundesteuer-anmeldung.fachverfahren-soap-json.yaml", declare)
    envelope = sample()
    envelope["applicant"].update(familyName="F" * 100, givenName="G" * 100)

    # When a submission whose display name is too long is built, then the declared field is named
    with pytest.raises(MappingError) as caught:
        SoapConnector(destination(), context).build(submission(envelope), MESSAGE_ID)
    assert [p.pointer for p in caught.value.problems] == ["/applicant/familyName"]


def test_a_fit_connect_data_schema_error_names_the_field_mapped_there(tmp_path: Path) -> None:
    # Given a Wohngeld spec that (wrongly) maps the postal code into the country (pattern ^[A-Z]{2}$)
    def postal_code_as_country(spec: dict[str, Any]) -> None:
        (rule,) = [f for f in spec["fields"] if f["target"] == "/antragsteller/anschrift/staat"]
        rule["source"] = "/applicant/address/postalCode"

    context = copied_spec(tmp_path, "wohngeld-antrag.fit-connect-json.yaml", postal_code_as_country)
    destination = Destination(id="t-sozial", name="t", connector="sozialplattform", standard="fit-connect-json")

    with pytest.raises(MappingError) as caught:
        SozialplattformConnector(destination, context).build(
            SubmissionData("s-1", datetime(2026, 3, 1, tzinfo=UTC), sample("wohngeld-antrag")), MESSAGE_ID
        )

    # Then the error names the posted field, and the data schema's place is its location
    (problem,) = caught.value.problems
    assert problem.pointer == "/applicant/address/postalCode"
    assert problem.location == "/antragsteller/anschrift/staat"
    assert (problem.rule or "").startswith("json-schema:")
