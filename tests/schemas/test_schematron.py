"""Schematron: ISO semantics of the compiler (on small rule files) and the official XBau 2.6 rules (with Saxon)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hub.config import PROJECT_ROOT
from hub.schemas import SchemaCatalog
from hub.schemas.schematron import SchematronError, SchematronValidator

SCH = "http://purl.oclc.org/dsdl/schematron"


def rules(tmp_path: Path, body: str, binding: str = "xslt2") -> Path:
    path = tmp_path / "rules.sch"
    path.write_text(
        f'<sch:schema xmlns:sch="{SCH}" queryBinding="{binding}"><sch:ns prefix="a" uri="urn:a"/>{body}</sch:schema>',
        encoding="utf-8",
    )
    return path


DOCUMENT = """<a:order xmlns:a="urn:a" id="o-1">
  <item kind="book"><price>12</price></item>
  <item kind="food"><price>-3</price></item>
  <note/>
</a:order>"""


def failures(path: Path, document: str = DOCUMENT) -> list[tuple[str | None, str | None, str]]:
    root = etree.fromstring(document)
    return [(p.rule, p.path, p.message) for p in SchematronValidator([path]).validate(root)]


def test_in_a_pattern_only_the_first_matching_rule_fires_per_node(tmp_path: Path) -> None:
    # Given a pattern whose first rule matches food items and whose second matches every item
    path = rules(
        tmp_path,
        "<sch:pattern>"
        '<sch:rule context="item[@kind=\'food\']"><sch:assert id="food" test="false()">food</sch:assert></sch:rule>'
        '<sch:rule context="item"><sch:assert id="any" test="false()">any</sch:assert></sch:rule>'
        "</sch:pattern>",
    )

    # When the document is checked, Then the book item fails the second rule, the food item only the first
    assert failures(path) == [("any", "/a:order/item[1]", "any"), ("food", "/a:order/item[2]", "food")]


def test_each_pattern_sees_every_node(tmp_path: Path) -> None:
    # Given two patterns with a rule for the same context
    path = rules(
        tmp_path,
        '<sch:pattern><sch:rule context="note"><sch:assert id="p1" test="false()">one</sch:assert></sch:rule>'
        "</sch:pattern>"
        '<sch:pattern><sch:rule context="note"><sch:assert id="p2" test="false()">two</sch:assert></sch:rule>'
        "</sch:pattern>",
    )

    # Then both fire
    assert [rule for rule, _, _ in failures(path)] == ["p1", "p2"]


def test_abstract_rules_are_extended_and_messages_evaluate_value_of_and_name(tmp_path: Path) -> None:
    # Given an abstract rule with an XPath 2 test, extended by a concrete one with a let and a report
    path = rules(
        tmp_path,
        "<sch:pattern>"
        '<sch:rule id="positive" abstract="true">'
        '<sch:assert id="price-positive" test="if (price castable as xs:integer) then xs:integer(price) gt 0 '
        'else false()">Price <sch:value-of select="price"/> of <sch:name/> must be positive</sch:assert>'
        "</sch:rule>"
        '<sch:rule context="item"><sch:let name="k" value="@kind"/><sch:extends rule="positive"/>'
        '<sch:report id="is-food" test="$k = \'food\'">food item</sch:report></sch:rule>'
        "</sch:pattern>",
    )

    # Then the negative price fails the inherited assert, with evaluated text, and the report fires too
    assert failures(path) == [
        ("price-positive", "/a:order/item[2]", "Price -3 of item must be positive"),
        ("is-food", "/a:order/item[2]", "food item"),
    ]


def test_a_rule_on_an_attribute_is_located_at_its_element(tmp_path: Path) -> None:
    path = rules(
        tmp_path,
        '<sch:pattern><sch:rule context="@kind"><sch:assert id="k" test=". = \'book\'">kind</sch:assert>'
        "</sch:rule></sch:pattern>",
    )
    assert failures(path) == [("k", "/a:order/item[2]/@kind", "kind")]


@pytest.mark.parametrize(
    ("body", "binding", "complaint"),
    [
        ('<sch:include href="other.sch"/>', "xslt2", "unsupported Schematron element"),
        ('<sch:pattern abstract="true" id="p"/>', "xslt2", "abstract patterns are not supported"),
        ('<sch:pattern><sch:rule context="x"><sch:extends rule="nope"/></sch:rule></sch:pattern>', "xslt2", "nope"),
        ('<sch:pattern><sch:rule context="x"><sch:assert test="true()"/></sch:rule></sch:pattern>', "stx", "stx"),
        ('<sch:pattern><sch:rule context="x"><sch:assert test="((("/></sch:rule></sch:pattern>', "xslt2", "Saxon"),
    ],
    ids=["include", "abstract-pattern", "unknown-extends", "binding", "bad-xpath"],
)
def test_what_cannot_be_run_is_refused_never_skipped(tmp_path: Path, body: str, binding: str, complaint: str) -> None:
    path = rules(tmp_path, body, binding)
    with pytest.raises(SchematronError, match=r"rules\.sch") as raised:
        SchematronValidator([path])
    assert complaint in str(raised.value)


# -- the official XBau 2.6 rules -------------------------------------------------------------------


@pytest.fixture(scope="module")
def xbau_message(standards_catalog: SchemaCatalog) -> Any:
    from hub.mapping.xml import bind_xml_spec, build_xml, load_xml_spec

    bound = bind_xml_spec(load_xml_spec(PROJECT_ROOT / "mappings" / "bauantrag.xbau-2.6.yaml"), standards_catalog)
    envelope = json.loads((PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "bauantrag.json").read_text())
    envelope["hub"] = {
        "messageId": "3f2c1a9e-6b1d-4c55-9e0f-1a2b3c4d5e6f",
        "submissionId": "6c1f0b7e-2d3a-4f5b-8c9d-0e1f2a3b4c5d",
        "createdAt": "2026-05-04T10:15:00+02:00",
        "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
        "reader": {"prefix": "bau", "code": "05562014", "name": "Bauaufsicht Gladbeck"},
    }
    return build_xml(bound, envelope)


def test_the_xbau_rules_compile_and_accept_the_mapped_sample(
    standards_catalog: SchemaCatalog, xbau_message: Any
) -> None:
    validator = standards_catalog.schematron("xbau-2.6")
    assert validator is not None
    assert validator.validate(xbau_message) == []


def test_the_xbau_rules_catch_a_malformed_behoerdenkennung_and_an_empty_element(
    standards_catalog: SchemaCatalog, xbau_message: Any
) -> None:
    # Given the mapped sample with the reader's Behördenkennung in capitals and an empty element added
    broken = etree.fromstring(etree.tostring(xbau_message))
    head = broken.find("nachrichtenkopf.g2g")
    kennung = head.find("leser/kennung")
    kennung.text = "BAU:05562014"
    head.find("leser/name").text = "   "

    # When the XBau rules run
    validator = standards_catalog.schematron("xbau-2.6")
    assert validator is not None
    found = {(p.rule, p.path) for p in validator.validate(broken)}

    # Then the DVDV rule fires at the header and the empty-element rule at the blank name
    root = "/xbau:baugenehmigung.antrag.0200"
    assert found == {
        ("sch-xbau-001", f"{root}/nachrichtenkopf.g2g"),
        ("sch-xbau-gen-001", f"{root}/nachrichtenkopf.g2g/leser/name"),
    }


def test_schemas_check_compiles_the_rules(standards_catalog: SchemaCatalog) -> None:
    (result,) = [r for r in standards_catalog.check() if r.set_id == "xbau-2.6"]
    assert result.ok, result.error
    assert "2 Schematron file(s) compiled (XSLT 3, Saxon)" in result.notes
