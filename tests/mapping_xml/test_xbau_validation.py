"""Validation of spec-built XBau messages, reported against the portal's payload (XSD and Schematron)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from hub.config import PROJECT_ROOT
from hub.connectors.xml_target import XmlTargetBuilder
from hub.errors import FieldProblem, MappingError
from hub.mapping.xml import load_xml_spec
from hub.schemas import SchemaCatalog

SPEC = PROJECT_ROOT / "mappings" / "bauantrag.xbau-2.6.yaml"
SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "bauantrag.json"
GREEK = "Παπαδόπουλος"  # not in DIN 91379 datatype C, which XBau's names use


@pytest.fixture(scope="module")
def builder(standards_catalog: SchemaCatalog) -> XmlTargetBuilder:
    return XmlTargetBuilder(load_xml_spec(SPEC), standards_catalog)


@pytest.fixture
def envelope() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    second = copy.deepcopy(document["form"]["bauherren"][0])
    second.update(givenName="Hans", familyName="Muster")
    document["form"]["bauherren"].append(second)
    document["hub"] = {
        "messageId": "3f2c1a9e-6b1d-4c55-9e0f-1a2b3c4d5e6f",
        "submissionId": "6c1f0b7e-2d3a-4f5b-8c9d-0e1f2a3b4c5d",
        "createdAt": "2026-05-04T10:15:00+02:00",
        "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
        "reader": {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht Gladbeck"},
    }
    return document


def problems(builder: XmlTargetBuilder, envelope: dict[str, Any]) -> list[FieldProblem]:
    with pytest.raises(MappingError) as raised:
        builder.build(envelope)
    return raised.value.problems


def test_the_sample_builds_without_problems(builder: XmlTargetBuilder, envelope: dict[str, Any]) -> None:
    assert builder.build(envelope).startswith(
        b"<?xml version='1.0' encoding='UTF-8'?>\n<xbau:baugenehmigung.antrag.0200"
    )


def test_a_bad_value_from_a_function_rule_points_at_the_field_it_reads(
    builder: XmlTargetBuilder, envelope: dict[str, Any]
) -> None:
    envelope["applicant"]["familyName"] = GREEK
    envelope["form"]["bauherren"][0]["familyName"] = GREEK  # the portal copies the applicant
    found = {(p.pointer, p.rule) for p in problems(builder, envelope)}
    assert found == {("/applicant/familyName", "xsd:xbau-2.6"), ("/form/bauherren/0/familyName", "xsd:xbau-2.6")}


def test_a_bad_value_in_the_second_item_of_a_list_points_into_that_item(
    builder: XmlTargetBuilder, envelope: dict[str, Any]
) -> None:
    envelope["form"]["bauherren"][1]["givenName"] = GREEK
    (problem,) = problems(builder, envelope)
    assert problem.pointer == "/form/bauherren/1/givenName"
    assert problem.location is not None
    assert problem.location.endswith("xbau:bauherr[2]/xbau:bauherr/natuerlichePerson/name/vorname/name")


def test_a_missing_element_points_at_the_object_that_lacks_it(
    builder: XmlTargetBuilder, envelope: dict[str, Any]
) -> None:
    # A person without a family name (the form schema refuses it; the mapping does not rely on that)
    del envelope["form"]["bauherren"][1]["familyName"]
    found = problems(builder, envelope)
    assert {p.pointer for p in found} == {"/form/bauherren/1"}
    assert any("familienname" in p.message for p in found)


def test_a_blank_value_is_refused_by_the_empty_element_rule_at_its_field(
    builder: XmlTargetBuilder, envelope: dict[str, Any]
) -> None:
    envelope["form"]["bauherren"][1]["familyName"] = " "
    (problem,) = problems(builder, envelope)
    assert (problem.pointer, problem.rule) == ("/form/bauherren/1/familyName", "sch-xbau-gen-001")


def test_a_schematron_failure_keeps_its_rule_id(builder: XmlTargetBuilder, envelope: dict[str, Any]) -> None:
    # The reader's Behördenkennung comes from the destination's config: a capital prefix breaks sch-xbau-001
    envelope["hub"]["reader"]["prefix"] = "BAU"
    (problem,) = problems(builder, envelope)
    assert problem.rule == "sch-xbau-001"
    assert problem.pointer == "/hub"
    assert "leser" in problem.message


def test_the_authorities_reachability_becomes_erreichbarkeit(
    builder: XmlTargetBuilder, envelope: dict[str, Any]
) -> None:
    # Given a reader reachable by e-mail and telephone (channel codes of urn:de:xoev:codeliste:erreichbarkeit)
    envelope["hub"]["reader"]["reachability"] = [
        {"channel": "01", "address": "bauaufsicht@gladbeck.example", "listVersion": "3"},
        {"channel": "02", "address": "+49 2043 99-0", "listVersion": "3"},
    ]

    # When the message is built
    root = builder.build_tree(envelope)

    # Then the header's leser lists both, in order, valid against XSD and Schematron (build_tree checked both)
    reachable = root.findall("nachrichtenkopf.g2g/leser/erreichbarkeit")
    assert [(r.findtext("kanal/code"), r.findtext("kennung")) for r in reachable] == [
        ("01", "bauaufsicht@gladbeck.example"),
        ("02", "+49 2043 99-0"),
    ]
    assert root.find("nachrichtenkopf.g2g/autor/erreichbarkeit") is None
