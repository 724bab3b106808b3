"""The XML mapping engine against a small hand-written schema: order, validity, checks, groups, pointers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hub.errors import ConfigError, MappingError
from hub.mapping.xml import apply_xml_spec, bind_xml_spec, check_spec, load_xml_spec
from hub.schemas import SchemaCatalog

FIXTURES = Path(__file__).parent / "fixtures"
NS = "{urn:test:antrag}"
GOOD = FIXTURES / "specs" / "good.test-antrag.yaml"
REQUIRED_ONLY = """\
fields:
  - target: t:eingang
    source: /receivedAt
  - target: t:kopf/t:referenz
    source: /portalReference
  - target: t:kopf/t:art
    const: neu
  - target: t:antragsteller/t:nachname
    source: /applicant/familyName
  - target: t:antragsteller/t:volljaehrig
    source: /applicant/adult
"""


def envelope(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "portalReference": "GLA-2026",
        "receivedAt": "2026-03-01",
        "applicant": {"givenName": "Erika", "familyName": "Mustermann", "birthDate": "1980-05-17", "adult": True},
        "form": {"remark": "bitte schnell"},
        "attachments": [
            {"kind": "application/pdf", "number": 1, "title": "Lageplan"},
            {"kind": "image/jpeg", "number": 2, "title": "Foto"},
        ],
    }
    doc.update(overrides)
    return doc


def tags(element: Any) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_output_follows_schema_order_and_validates(test_catalog: SchemaCatalog) -> None:
    bound = bind_xml_spec(load_xml_spec(GOOD), test_catalog)
    document = etree.fromstring(apply_xml_spec(bound, envelope()))

    assert test_catalog.validator("test-antrag-1.0").validate(document) == []
    assert tags(document) == ["kopf", "antragsteller", "bemerkung", "anlage", "anlage", "eingang"]
    assert tags(document.find(f"{NS}kopf")) == ["referenz", "art"]
    assert tags(document.find(f"{NS}antragsteller")) == ["vorname", "nachname", "geburtsdatum", "volljaehrig"]
    assert document.get("version") == "1.0"  # required fixed attribute filled in
    assert document.get("test") == "true"
    assert document.findtext(f"{NS}antragsteller/{NS}volljaehrig") == "true"


def test_repeated_group_produces_one_element_per_item(test_catalog: SchemaCatalog) -> None:
    bound = bind_xml_spec(load_xml_spec(GOOD), test_catalog)
    document = etree.fromstring(apply_xml_spec(bound, envelope()))

    anlagen = document.findall(f"{NS}anlage")
    assert [(a.get("nummer"), a.findtext(f"{NS}titel"), a.findtext(f"{NS}format")) for a in anlagen] == [
        ("1", "Lageplan", "pdf"),
        ("2", "Foto", "jpg"),
    ]
    assert tags(anlagen[0]) == ["titel", "format"]


def test_optional_parts_are_left_out_and_the_result_still_validates(test_catalog: SchemaCatalog) -> None:
    bound = bind_xml_spec(load_xml_spec(GOOD), test_catalog)
    doc = envelope(form={}, applicant={"familyName": "Muster", "adult": False})
    del doc["attachments"]
    document = etree.fromstring(apply_xml_spec(bound, doc))

    assert tags(document) == ["kopf", "antragsteller", "eingang"]
    assert tags(document.find(f"{NS}antragsteller")) == ["nachname", "volljaehrig"]
    assert test_catalog.validator("test-antrag-1.0").validate(document) == []


def test_problems_name_envelope_pointers(test_catalog: SchemaCatalog) -> None:
    bound = bind_xml_spec(load_xml_spec(GOOD), test_catalog)
    doc = envelope(receivedAt="01.03.2026", portalReference="gla 2026")
    doc["applicant"] = {"givenName": "Erika", "adult": "yes"}
    doc["attachments"][1]["kind"] = "text/plain"
    doc["attachments"][0]["number"] = 0

    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, doc)

    by_pointer = {p.pointer: p for p in caught.value.problems}
    assert set(by_pointer) == {
        "/receivedAt",
        "/portalReference",
        "/applicant/familyName",
        "/applicant/adult",
        "/attachments/1/kind",
        "/attachments/0/number",
    }
    assert "xs:date" in by_pointer["/receivedAt"].message
    assert by_pointer["/applicant/familyName"].message == "is required for this destination"
    assert by_pointer["/attachments/1/kind"].rule == "code-list"
    assert by_pointer["/attachments/0/number"].rule == "schema-type"


def test_valid_spec_has_no_problems(test_catalog: SchemaCatalog, write_spec: Callable[[str], Path]) -> None:
    assert check_spec(load_xml_spec(write_spec(REQUIRED_ONLY)), test_catalog) == []


def test_nonexistent_target_is_reported_with_file_and_line(
    test_catalog: SchemaCatalog, write_spec: Callable[[str], Path]
) -> None:
    path = write_spec(REQUIRED_ONLY + "  - target: t:antragsteller/t:spitzname\n    source: /applicant/nick\n")

    problems = check_spec(load_xml_spec(path), test_catalog)

    assert [(p.file, p.line) for p in problems] == [(path, 17)]
    assert "t:antrag/t:antragsteller has no child element t:spitzname" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:17: ")


def test_uncovered_required_element_is_reported_by_full_path(
    test_catalog: SchemaCatalog, write_spec: Callable[[str], Path]
) -> None:
    body = REQUIRED_ONLY.replace("  - target: t:kopf/t:art\n    const: neu\n", "")

    messages = [p.message for p in check_spec(load_xml_spec(write_spec(body)), test_catalog)]

    assert messages == ["required element t:antrag/t:kopf/t:art is not covered by any rule"]


def test_uncovered_required_attribute_of_a_group_is_reported(
    test_catalog: SchemaCatalog, write_spec: Callable[[str], Path]
) -> None:
    body = REQUIRED_ONLY + (
        "  - target: t:anlage\n    each: /attachments\n    fields:\n"
        "      - target: t:titel\n        source: /title\n      - target: t:format\n        const: pdf\n"
    )
    messages = [p.message for p in check_spec(load_xml_spec(write_spec(body)), test_catalog)]
    assert messages == ["required attribute t:antrag/t:anlage/@nummer is not covered by any rule"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("  - target: t:kopf/t:art\n    const: alt\n    when: /x\n", "const 'alt' is not a valid t:Art"),
        ("  - target: t:kopf/t:art\n    source: /y\n    codes: {a: neu, b: storno}\n",
         "code for 'b' 'storno' is not a valid t:Art"),
        ("  - target: t:bemerkung\n    each: /x\n    fields:\n      - target: .\n        source: /y\n",
         "is not repeatable"),
        ("  - target: t:antragsteller\n    source: /x\n", "has element content"),
        ("  - target: '@fehlt'\n    const: x\n", "has no attribute @fehlt"),
        ("  - target: x:bemerkung\n    const: x\n", "prefix 'x' is not declared"),
        ("  - target: bemerkung\n    const: x\n", "write 't:bemerkung'"),
    ],
)  # fmt: skip
def test_static_checks(
    test_catalog: SchemaCatalog, write_spec: Callable[[str], Path], rule: str, expected: str
) -> None:
    spec = load_xml_spec(write_spec(REQUIRED_ONLY + rule))
    messages = [p.message for p in check_spec(spec, test_catalog)]
    assert len(messages) == 1, messages
    assert expected in messages[0]


def test_structural_mistakes_fail_at_load(write_spec: Callable[[str], Path]) -> None:
    with pytest.raises(ConfigError, match=r"spec.yaml:7: target 't:kopf/@a/t:b': an attribute step .* last step"):
        load_xml_spec(write_spec("fields:\n  - target: t:kopf/@a/t:b\n    const: x\n"))
    with pytest.raises(ConfigError, match=r"spec.yaml:7: .*give exactly one of"):
        load_xml_spec(write_spec("fields:\n  - target: t:kopf\n"))


def test_bind_raises_with_every_problem(test_catalog: SchemaCatalog) -> None:
    with pytest.raises(ConfigError, match="spitzname"):
        bind_xml_spec(load_xml_spec(FIXTURES / "specs" / "bad-target.test-antrag.yaml"), test_catalog)


def test_repeated_simple_elements_and_their_cardinality(
    test_catalog: SchemaCatalog, write_spec: Callable[[str], Path]
) -> None:
    """``.`` inside ``each`` is the repeated element's own text; maxOccurs is enforced at the list's pointer."""
    body = (
        REQUIRED_ONLY + "  - target: t:stichwort\n    each: /tags\n    fields:\n      - target: .\n        source: ''\n"
    )
    bound = bind_xml_spec(load_xml_spec(write_spec(body)), test_catalog)

    document = etree.fromstring(apply_xml_spec(bound, envelope(tags=["Garage", "Carport"])))
    assert [e.text for e in document.findall(f"{NS}stichwort")] == ["Garage", "Carport"]
    assert tags(document)[-3:] == ["stichwort", "stichwort", "eingang"]
    assert test_catalog.validator("test-antrag-1.0").validate(document) == []

    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, envelope(tags=["a", "b", "c"]))
    assert [(p.pointer, p.rule) for p in caught.value.problems] == [("/tags", "cardinality")]
