"""Schema-less XML specs (``withoutSchema: spec-order``): rule order without the set, the schema with it.

The good test spec lists its rules deliberately out of schema order; with ``withoutSchema`` added it
is built in that order while ``test-antrag-1.0`` is missing from the catalog, and bound, ordered and
type-checked by the schema as soon as the set is there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from hub.cli.mappings import mappings
from hub.errors import ConfigError, MappingError
from hub.mapping.xml import apply_xml_spec, bind_xml_spec, build_xml, check_spec, load_xml_spec, missing_schema
from hub.mapping.xml.compiled import compile_plan
from hub.schemas import SchemaCatalog
from tests.mapping_xml.test_xml_mapping import GOOD, NS, envelope, tags


@pytest.fixture
def schemaless_spec(tmp_path: Path) -> Path:
    """The good test spec, allowed to be built without its schema set; ``code`` is an unqualified leaf."""
    text = GOOD.read_text(encoding="utf-8").replace(
        'namespaces: {t: "urn:test:antrag"}\n', 'namespaces: {t: "urn:test:antrag"}\nwithoutSchema: spec-order\n'
    )
    text += "  - target: t:kopf/t:art/@listVersionID\n    const: '2'\n"
    path = tmp_path / "good.test-antrag.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def empty_catalog(tmp_path: Path) -> SchemaCatalog:
    folder = tmp_path / "no-schemas"
    folder.mkdir()
    return SchemaCatalog([folder])


def test_without_its_set_the_document_follows_the_rule_order(
    schemaless_spec: Path, empty_catalog: SchemaCatalog
) -> None:
    # Given a spec-order spec whose schema set is not installed
    spec = load_xml_spec(schemaless_spec)

    # When it is bound and applied
    bound = bind_xml_spec(spec, empty_catalog)
    document = etree.fromstring(apply_xml_spec(bound, envelope()))

    # Then binding says why it is unchecked, and children come in the order their rules first name them
    assert bound.without_schema is not None
    assert "test-antrag-1.0 is not installed" in bound.without_schema
    assert missing_schema(spec, empty_catalog) == bound.without_schema
    assert tags(document) == ["eingang", "anlage", "anlage", "antragsteller", "bemerkung", "kopf"]
    assert tags(document.find(f"{NS}antragsteller")) == ["volljaehrig", "nachname", "vorname", "geburtsdatum"]
    assert tags(document.find(f"{NS}anlage")) == ["format", "titel"]
    assert document.find(f"{NS}anlage").get("nummer") == "1"
    # nothing the schema would add or check: no fixed version attribute, the constant as written
    assert document.get("version") is None
    assert document.get("test") == "true"
    assert document.find(f"{NS}kopf/{NS}art").get("listVersionID") == "2"


def test_the_compiled_renderer_makes_the_same_document_without_a_schema(
    schemaless_spec: Path, empty_catalog: SchemaCatalog
) -> None:
    # Given the spec bound without its schema
    bound = bind_xml_spec(load_xml_spec(schemaless_spec), empty_catalog)

    # When both the compiled renderer and the interpreter make the document
    rendered = etree.fromstring(compile_plan(bound)(envelope()).encode())
    interpreted = build_xml(bound, envelope())

    # Then they are the same in canonical form
    assert etree.tostring(rendered, method="c14n") == etree.tostring(interpreted, method="c14n")


def test_without_a_schema_missing_fields_are_still_reported_by_pointer(
    schemaless_spec: Path, empty_catalog: SchemaCatalog
) -> None:
    # Given the spec bound without its schema, and an envelope without the applicant's family name
    bound = bind_xml_spec(load_xml_spec(schemaless_spec), empty_catalog)
    doc: dict[str, Any] = envelope(applicant={"adult": True})

    # When it is applied
    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, doc)

    # Then the missing source is named, and nothing is type-checked (a bad date passes unnoticed)
    assert [p.pointer for p in caught.value.problems] == ["/applicant/familyName"]
    assert apply_xml_spec(bound, envelope(receivedAt="not a date"))


def test_with_its_set_installed_the_same_spec_is_bound_and_checked(
    schemaless_spec: Path, test_catalog: SchemaCatalog
) -> None:
    # Given the same spec and a catalog that has test-antrag-1.0
    spec = load_xml_spec(schemaless_spec)

    # When it is bound
    problems = check_spec(spec, test_catalog)

    # Then the schema is used: the attribute the XSD does not declare is a problem of the spec
    assert missing_schema(spec, test_catalog) is None
    assert [p.message for p in problems] == [
        "t:kopf/t:art/@listVersionID: t:antrag/t:kopf/t:art has no attribute @listVersionID; allowed: none"
    ]


def test_with_its_set_installed_the_document_follows_the_schema(tmp_path: Path, test_catalog: SchemaCatalog) -> None:
    # Given a spec-order spec without the undeclared attribute, and the set installed
    path = tmp_path / "spec.yaml"
    path.write_text(
        GOOD.read_text(encoding="utf-8").replace(
            'namespaces: {t: "urn:test:antrag"}\n', 'namespaces: {t: "urn:test:antrag"}\nwithoutSchema: spec-order\n'
        ),
        encoding="utf-8",
    )
    bound = bind_xml_spec(load_xml_spec(path), test_catalog)

    # When it is applied, once with a good and once with a bad date
    document = etree.fromstring(apply_xml_spec(bound, envelope()))
    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, envelope(receivedAt="not a date"))

    # Then schema order, the fixed attribute and type checks are back
    assert bound.without_schema is None
    assert tags(document) == ["kopf", "antragsteller", "bemerkung", "anlage", "anlage", "eingang"]
    assert document.get("version") == "1.0"
    assert [(p.pointer, p.rule) for p in caught.value.problems] == [("/receivedAt", "schema-type")]


def test_a_spec_without_the_key_still_needs_its_set(empty_catalog: SchemaCatalog) -> None:
    # Given the good spec, which does not allow building without a schema
    spec = load_xml_spec(GOOD)

    # When it is checked against a catalog without its set
    problems = check_spec(spec, empty_catalog)

    # Then the missing set is a problem, as before
    assert missing_schema(spec, empty_catalog) is None
    assert len(problems) == 1
    assert "test-antrag-1.0" in problems[0].message
    with pytest.raises(ConfigError):
        bind_xml_spec(spec, empty_catalog)


def test_rule_mistakes_are_still_found_without_a_schema(tmp_path: Path, empty_catalog: SchemaCatalog) -> None:
    # Given a spec-order spec with an undeclared prefix and a plain rule inside a repeated group
    path = tmp_path / "spec.yaml"
    path.write_text(
        'service: s\nstandard: x-1\nschemaSet: x-1\nroot: "t:a"\nnamespaces: {t: "urn:t"}\n'
        "withoutSchema: spec-order\nfields:\n"
        "  - target: t:b\n    each: /items\n    fields:\n      - target: t:c\n        source: /c\n"
        "  - target: t:b/t:d\n    source: /d\n"
        "  - target: u:e\n    source: /e\n",
        encoding="utf-8",
    )

    # When it is checked
    problems = check_spec(load_xml_spec(path), empty_catalog)

    # Then both are reported with their lines
    assert [(p.line, p.message) for p in problems] == [
        (13, "t:b/t:d: t:a/t:b is the repeated group of line 8; target its children in that group's 'fields'"),
        (15, "prefix 'u' is not declared in 'namespaces'"),
    ]


def test_an_unknown_without_schema_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        'service: s\nstandard: x-1\nschemaSet: x-1\nroot: "t:a"\nnamespaces: {t: "urn:t"}\n'
        "withoutSchema: anything\nfields: []\n",
        encoding="utf-8",
    )

    with pytest.raises(ConfigError, match=r"spec.yaml:6: withoutSchema must be 'spec-order'"):
        load_xml_spec(path)


def test_mappings_check_notes_a_spec_built_without_its_schema(
    schemaless_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a folder with the spec-order spec and a schema path without its set
    monkeypatch.setenv("HUB_SCHEMA_PATH", str(tmp_path / "no-schemas"))

    # When the specs are checked
    result = CliRunner().invoke(mappings, ["check", "--dir", str(schemaless_spec.parent)])

    # Then it passes, with a note saying the spec is built without XSD checks
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"{schemaless_spec}: note: schema set test-antrag-1.0 is not installed: built in spec order" in result.stderr
    assert "1 spec(s) checked, 0 problem(s)" in result.stderr
