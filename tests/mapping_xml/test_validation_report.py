"""The validation report a submission's trace shows: the stored message checked again, as at intake."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.config import PROJECT_ROOT
from hub.connectors.xml_target import XmlTargetBuilder
from hub.console.pages import mask_quoted_values
from hub.mapping.catalog import MappingCatalog
from hub.mapping.xml import load_xml_spec
from hub.routing.region import load_region
from hub.schemas import SchemaCatalog
from hub.service.validation_report import validation_report

REGION = PROJECT_ROOT / "config" / "emscher-lippe"


@pytest.fixture(scope="module")
def bauantrag_message(standards_catalog: SchemaCatalog) -> bytes:
    envelope: dict[str, Any] = json.loads((REGION / "samples" / "bauantrag.json").read_text(encoding="utf-8"))
    envelope["hub"] = {
        "messageId": "3f2c1a9e-6b1d-4c55-9e0f-1a2b3c4d5e6f",
        "submissionId": "6c1f0b7e-2d3a-4f5b-8c9d-0e1f2a3b4c5d",
        "createdAt": "2026-05-04T10:15:00+02:00",
        "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
        "reader": {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht Gladbeck"},
    }
    builder = XmlTargetBuilder(load_xml_spec(PROJECT_ROOT / "mappings" / "bauantrag.xbau-2.6.yaml"), standards_catalog)
    return builder.build(envelope)


def report_for(catalog: SchemaCatalog, destination: str, service: str, media_type: str, payload: bytes) -> Any:
    return validation_report(
        load_region(REGION),
        MappingCatalog.load(PROJECT_ROOT / "mappings"),
        catalog,
        destination_id=destination,
        service=service,
        media_type=media_type,
        payload=payload,
    )


def test_a_stored_xbau_message_is_reported_valid_against_xsd_and_schematron(
    standards_catalog: SchemaCatalog, bauantrag_message: bytes
) -> None:
    report = report_for(standards_catalog, "gladbeck-bauportal", "bauantrag", "application/xml", bauantrag_message)
    assert report.valid
    assert report.checks == (
        "XSD xbau-2.6 (xsd/xbau-nachrichten-baugenehmigung.xsd)",
        "Schematron xbau-2.6 (2 file(s))",
    )


def test_a_message_that_no_longer_passes_lists_its_problems(
    standards_catalog: SchemaCatalog, bauantrag_message: bytes
) -> None:
    # Given a stored message whose reader Behördenkennung breaks the XBau DVDV rule
    tampered = bauantrag_message.replace(b"<kennung>bau:05562014</kennung>", b"<kennung>BAU:05562014</kennung>")
    assert tampered != bauantrag_message

    # Then the report names the failing rule
    report = report_for(standards_catalog, "gladbeck-bauportal", "bauantrag", "application/xml", tampered)
    assert not report.valid
    assert any("sch-xbau-001" in p for p in report.problems)


def test_json_messages_and_missing_schema_sets_are_said_so(standards_catalog: SchemaCatalog, tmp_path: Any) -> None:
    json_report = report_for(standards_catalog, "gladbeck-fachverfahren", "sperrmuell", "application/json", b"{}")
    assert json_report.checks == ()
    assert "fachverfahren-json spec at intake" in (json_report.note or "")
    empty = SchemaCatalog([tmp_path])
    missing = report_for(empty, "gladbeck-bauportal", "bauantrag", "application/xml", b"<x/>")
    assert "xbau-2.6 is not installed" in (missing.note or "")


def test_values_quoted_by_a_validator_are_masked_for_operators_without_personal_data() -> None:
    problem = "Element 'name': [facet 'pattern'] The value 'Παπαδόπουλος' is not accepted by the pattern '[a-z]+'."
    assert mask_quoted_values(problem) == (
        "Element 'name': [facet 'pattern'] The value '…' is not accepted by the pattern '[a-z]+'."
    )
    assert "Mustermann" not in mask_quoted_values("'Mustermann' is not a valid value of the atomic type 'x'.")
