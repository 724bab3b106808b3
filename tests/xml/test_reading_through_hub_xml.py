"""Schema documents, incremental parsing and the console's masked messages go through hub.xml like every document."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from hub.xml import SchemaSetParser, UnsafeXmlError, make_safe_pull_parser, parse_schema_file, target_namespace
from hub.xml.masking import mask_xml

if TYPE_CHECKING:
    from tests.xml.conftest import RecordingServer

XSD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:demo">{body}</xs:schema>'


def test_a_schema_entry_declaring_entities_is_refused(tmp_path: Path) -> None:
    # Given a schema file whose DOCTYPE declares an entity
    entry = tmp_path / "entry.xsd"
    entry.write_text('<!DOCTYPE xs:schema [<!ENTITY x "y">]>' + XSD.format(body=""))
    # When it is read as a schema document, Then it is refused
    with pytest.raises(UnsafeXmlError, match="declares entities"):
        parse_schema_file(entry)


def test_the_target_namespace_is_read_from_the_root(tmp_path: Path) -> None:
    # Given a schema with a target namespace and one without
    with_namespace, without = tmp_path / "a.xsd", tmp_path / "b.xsd"
    with_namespace.write_text(XSD.format(body=""))
    without.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    # When their namespaces are read, Then each says what its root declares
    assert target_namespace(with_namespace) == "urn:demo"
    assert target_namespace(without) is None


def test_a_set_parser_serves_mapped_urls_from_the_folder_and_never_fetches(
    tmp_path: Path, recording_server: RecordingServer
) -> None:
    # Given a set whose url_map serves one URL prefix from its folder, and a schema composed by the hub
    # that imports one mapped URL and one URL of a live server
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "dep.xsd").write_text(XSD.replace("urn:demo", "urn:dep").format(body=""))
    parser = SchemaSetParser(tmp_path, [("https://schemas.example.invalid/", "deps/")])
    imports = (
        '<xs:import namespace="urn:dep" schemaLocation="https://schemas.example.invalid/dep.xsd"/>'
        f'<xs:import namespace="urn:other" schemaLocation="{recording_server.url}/other.xsd"/>'
    )
    # When lxml compiles it (imports resolve through the parser that read the document)
    schema = etree.XMLSchema(parser.parse_text(XSD.format(body=imports).encode(), tmp_path / "wrapper.xsd"))
    # Then the mapped import came from the folder and the live server was never asked
    assert parser.served == ["https://schemas.example.invalid/dep.xsd"]
    assert recording_server.requests == []
    assert schema is not None


def test_masking_hides_personal_elements_and_refuses_entities() -> None:
    # Given a message with a person and an id
    message = b"<antrag><id>A-1</id><antragsteller><name>Erika</name><ort>Herten</ort></antragsteller></antrag>"
    # When it is masked, Then the person's text is hidden and the id stays readable
    masked = mask_xml(message).decode()
    assert "Erika" not in masked
    assert "Herten" not in masked
    assert "<id>A-1</id>" in masked
    # And a message declaring entities is refused like any document the hub parses
    with pytest.raises(UnsafeXmlError):
        mask_xml(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')


def test_the_pull_parser_reports_the_root_and_never_fetches(recording_server: RecordingServer) -> None:
    # Given a document naming an external DTD on a live server, arriving in two chunks
    document = f'<!DOCTYPE e SYSTEM "{recording_server.url}/e.dtd"><e xmlns="urn:x"><b/></e>'.encode()
    parser = make_safe_pull_parser()
    # When it is fed to the pull parser
    parser.feed(document[:40])
    parser.feed(document[40:])
    roots = [element.tag for _, element in parser.read_events()]
    # Then the elements are reported and the DTD was never asked for
    assert roots[0] == "{urn:x}e"
    assert recording_server.requests == []
