"""Discovery, compilation and validation of the official schema sets in ../shared/standards."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from hub.schemas import SchemaCatalog, SchemaCompileError, SchemaNotInstalled
from hub.schemas.xsd import compile_xsd
from hub.xml import parse_xml
from tests.schemas.conftest import STANDARDS

EXPECTED = {
    "xbau-2.6": ("XBau", "2.6", "http://www.xleitstelle.de/xbau/2/6"),
    "xta2-2.1.1": ("XTA 2", "2.1.1", "http://xoev.de/transport/xta/211"),
    "xdomea-2.3.0": ("xdomea", "2.3.0", "urn:xoev-de:xdomea:schema:2.3.0"),
    "xdomea-2.4.0": ("xdomea", "2.4.0", "urn:xoev-de:xdomea:schema:2.4.0"),
    "xdomea-3.0.0": ("xdomea", "3.0.0", "urn:xoev-de:xdomea:schema:3.0.0"),
    "xdomea-3.1.0": ("xdomea", "3.1.0", "urn:xoev-de:xdomea:schema:3.1.0"),
    "fit-connect-metadata-2.1.0": (
        "FIT-Connect metadata",
        "2.1.0",
        "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json",
    ),
}
SAMPLES = sorted(STANDARDS.glob("xdomea/samples/*/*.xml"))


def test_discovers_the_shared_standards(standards_catalog: SchemaCatalog) -> None:
    found = {s.id: s for s in standards_catalog.sets()}
    for set_id, (standard, version, namespace) in EXPECTED.items():
        assert set_id in found, f"{set_id} not discovered; found {sorted(found)}"
        s = found[set_id]
        assert (s.standard, s.version, s.namespace) == (standard, version, namespace)
    xbau = found["xbau-2.6"]
    assert "xsd/xbau-nachrichten-baugenehmigung.xsd" in xbau.entries
    assert xbau.schematron == ("schematron/xbau-schematron-leere-elemente.sch", "schematron/xbau-schematron.sch")
    assert found["xdomea-3.1.0"].entries == ("xdomea.xsd",)
    assert "xdomea-Nachrichten-AussonderungDurchfuehren.xsd" in found["xdomea-2.3.0"].entries
    assert found["xta2-2.1.1"].entries == ("XTA.wsdl",)
    assert found["fit-connect-metadata-2.1.0"].kind == "json"
    assert not any(s.folder.name == "samples" for s in found.values())


@pytest.mark.parametrize("set_id", ["xbau-2.6", "xta2-2.1.1", "xdomea-3.1.0"])
def test_big_sets_compile(standards_catalog: SchemaCatalog, set_id: str) -> None:
    validator = standards_catalog.validator(set_id)
    assert validator.set_id == set_id
    assert standards_catalog.validator(set_id) is validator  # compiled once, cached


def test_check_compiles_every_shared_set(standards_catalog: SchemaCatalog) -> None:
    results = {r.set_id: r for r in standards_catalog.check()}
    assert set(EXPECTED) <= set(results)
    failed = {k: r.error for k, r in results.items() if not r.ok}
    assert failed == {}
    assert any("Schematron" in n for n in results["xbau-2.6"].notes)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(STANDARDS / "xdomea" / "samples")))
def test_xdomea_samples_validate_against_their_version(standards_catalog: SchemaCatalog, sample: Path) -> None:
    version = sample.parent.name
    problems = standards_catalog.validator(f"xdomea-{version}").validate(parse_xml(sample.read_bytes()))
    assert problems == []


def test_sample_of_another_version_does_not_validate(standards_catalog: SchemaCatalog) -> None:
    sample = STANDARDS / "xdomea/samples/2.3.0/xx_Aussonderung.Aussonderung.0503.xml"
    problems = standards_catalog.validator("xdomea-3.1.0").validate(parse_xml(sample.read_bytes()))
    assert problems
    assert "No matching global declaration" in problems[0].message


def test_mutated_sample_yields_a_problem_with_line_number(standards_catalog: SchemaCatalog) -> None:
    sample = STANDARDS / "xdomea/samples/3.0.0/xx_Aussonderung.Aussonderung.0503.xml"
    root = parse_xml(sample.read_bytes())
    ns = {"xdomea": "urn:xoev-de:xdomea:schema:3.0.0"}
    kopf = root.find("xdomea:Kopf", ns)
    removed = kopf.find("xdomea:ProzessID", ns)
    kopf.remove(removed)
    # Re-parse the serialised message, as the hub would receive it, so line numbers are real.
    mutated = parse_xml(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    problems = standards_catalog.validator("xdomea-3.0.0").validate(mutated)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line is not None
    assert problem.line > 1
    assert "ProzessID" in problem.message
    assert problem.path is not None
    assert "Kopf" in problem.path
    assert str(problem).startswith(f"line {problem.line}")


def test_xbau_validation_reports_missing_content(standards_catalog: SchemaCatalog) -> None:
    message = b"""<?xml version="1.0" encoding="UTF-8"?>
<xbau:baugenehmigung.antrag.0200 xmlns:xbau="http://www.xleitstelle.de/xbau/2/6" produkt="hub" standard="XBau"/>"""
    problems = standards_catalog.validator("xbau-2.6").validate(parse_xml(message))
    assert {p.line for p in problems} == {2}
    messages = " | ".join(p.message for p in problems)
    assert "fixed value constraint 'XBau-Hochbau'" in messages
    assert "Missing child element" in messages


def test_entry_by_name_and_unknown_entry(standards_catalog: SchemaCatalog) -> None:
    validator = standards_catalog.validator("xbau-2.6", "xbau-nachrichten-baugenehmigung.xsd")
    assert validator.set_id == "xbau-2.6"
    with pytest.raises(SchemaCompileError, match="no entry"):
        standards_catalog.validator("xbau-2.6", "nope.xsd")


def test_json_schema_set_validates_with_json_pointers(standards_catalog: SchemaCatalog) -> None:
    validator = standards_catalog.validator("fit-connect-metadata-2.1.0")
    problems = validator.validate({"$schema": 5})
    assert problems
    assert {p.line for p in problems} == {None}
    assert any(p.path == "/$schema" for p in problems)
    assert any("required" in p.message for p in problems)


def test_unknown_set_names_searched_directories(tmp_path: Path, standards_catalog: SchemaCatalog) -> None:
    catalog = SchemaCatalog.from_path(os.pathsep.join([str(tmp_path / "missing"), str(STANDARDS)]))
    with pytest.raises(SchemaNotInstalled) as caught:
        catalog.validator("xbau-9.9")
    message = str(caught.value)
    assert str(tmp_path / "missing") in message
    assert str(STANDARDS) in message
    assert "xdomea-3.1.0" in message
    assert caught.value.directories == [tmp_path / "missing", STANDARDS]
    assert catalog.missing_directories() == [tmp_path / "missing"]


def test_empty_path_has_no_sets() -> None:
    catalog = SchemaCatalog.from_path("")
    assert catalog.sets() == []
    assert catalog.check() == []
    with pytest.raises(SchemaNotInstalled, match="HUB_SCHEMA_PATH is empty"):
        catalog.get("xdomea-3.1.0")


def _write_url_importing_set(folder: Path, *, url_map: str) -> None:
    (folder / "deps").mkdir(parents=True)
    (folder / "deps" / "b.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b">'
        '<xs:element name="b" type="xs:int"/></xs:schema>'
    )
    (folder / "a.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:b" targetNamespace="urn:a" '
        'elementFormDefault="qualified">'
        '<xs:import namespace="urn:b" schemaLocation="https://schemas.example.invalid/v1/b.xsd"/>'
        '<xs:element name="a"><xs:complexType><xs:sequence><xs:element ref="b:b"/></xs:sequence>'
        "</xs:complexType></xs:element></xs:schema>"
    )
    (folder / "hub-schema-set.yaml").write_text(
        f"id: demo-1.0\nstandard: Demo\nversion: '1.0'\nentries: [a.xsd]\n{url_map}"
    )


def test_manifest_set_with_url_import_resolves_offline_via_url_map(tmp_path: Path) -> None:
    _write_url_importing_set(tmp_path / "demo", url_map="url_map:\n  'https://schemas.example.invalid/v1/': deps/\n")
    catalog = SchemaCatalog.from_path(str(tmp_path))
    (schema_set,) = catalog.sets()
    assert (schema_set.id, schema_set.source, schema_set.namespace) == ("demo-1.0", "manifest", "urn:a")
    validator = catalog.validator("demo-1.0")
    assert any("served from the set's folder" in w for w in validator.warnings)
    assert validator.validate(parse_xml(b'<a xmlns="urn:a"><b xmlns="urn:b">42</b></a>')) == []
    assert validator.validate(parse_xml(b'<a xmlns="urn:a"><b xmlns="urn:b">x</b></a>'))


def test_url_import_without_mapping_or_escaping_the_folder_fails(tmp_path: Path) -> None:
    _write_url_importing_set(tmp_path / "plain", url_map="")
    _write_url_importing_set(
        tmp_path / "escape", url_map="url_map:\n  'https://schemas.example.invalid/v1/': ../plain/deps/\n"
    )
    for folder in ("plain", "escape"):
        (tmp_path / folder / "hub-schema-set.yaml").write_text(
            (tmp_path / folder / "hub-schema-set.yaml").read_text().replace("demo-1.0", f"demo-{folder}")
        )
    catalog = SchemaCatalog.from_path(str(tmp_path))
    results = {r.set_id: r for r in catalog.check()}
    assert not results["demo-plain"].ok
    assert "does not compile" in (results["demo-plain"].error or "")
    assert not results["demo-escape"].ok


def test_broken_manifest_is_a_failed_check(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "hub-schema-set.yaml").write_text("id: bad\nstandard: X\n")
    (tmp_path / "worse").mkdir()
    (tmp_path / "worse" / "broken.xsd").write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:foo/>")
    (tmp_path / "worse" / "hub-schema-set.yaml").write_text(
        "id: worse\nstandard: X\nversion: '1'\nentries: [broken.xsd]"
    )
    catalog = SchemaCatalog.from_path(str(tmp_path))
    results = {r.set_id: r for r in catalog.check()}
    assert [k for k, r in results.items() if not r.ok] == [str(tmp_path / "bad" / "hub-schema-set.yaml"), "worse"]


def test_xbau_wsdl_imports_by_url_are_served_from_the_local_copy(standards_catalog: SchemaCatalog) -> None:
    """The DVDV WSDLs import XSDs from xleitstelle.de; the set's url_map serves them from xsd/."""
    xbau = standards_catalog.get("xbau-2.6")
    with_wsdl = replace(xbau, entries=(*xbau.entries, "wsdl/XBau26-AG2BAB.wsdl"))
    validator = compile_xsd(with_wsdl, "wsdl/XBau26-AG2BAB.wsdl")
    assert any("xleitstelle.de" in w and "served" in w for w in validator.warnings)
    message = b'<xbau:akteneinsicht.uebermittlungGrundbuchauszug.0126 xmlns:xbau="http://www.xleitstelle.de/xbau/2/6"/>'
    problems = validator.validate(parse_xml(message))
    assert problems
    assert "No matching global declaration" not in problems[0].message


def test_an_installed_xgewerbeanzeige_set_is_recognised_by_its_namespace(tmp_path: Path) -> None:
    # Given a folder as KoSIT's validator configuration ships it (the XSD itself is not available
    # offline: a stand-in with the real file name and target namespace)
    folder = tmp_path / "kosit-xgewerbeanzeige" / "resources"
    folder.mkdir(parents=True)
    (folder / "xgewerbeanzeige.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="http://www.xgewerbeanzeige.de/spezifikation/2.2" elementFormDefault="qualified">'
        '<xs:element name="gewerbemeldung" type="xs:string"/></xs:schema>',
        encoding="utf-8",
    )

    # When the catalog looks at the folder
    catalog = SchemaCatalog([tmp_path])

    # Then it knows the set under the id the Gewerbe specs name, and it compiles
    schema_set = catalog.get("xgewerbeanzeige-2.2")
    assert schema_set.standard == "XGewerbeanzeige"
    assert schema_set.entries == ("xgewerbeanzeige.xsd",)
    assert [r.ok for r in catalog.check()] == [True]
