"""The inbound verdict (hub.domain.inbound) and the XÖV header reader, without a database or a network."""

from __future__ import annotations

from hub.domain.inbound import InboundState, QuarantineReason, Received, XoevHeader, verdict
from hub.service.xoev_header import read_message

GEWERBE = XoevHeader("xgewerbeanzeige", "2.2", "abh.gewerbemeldung.0500", "00000000-0000-0000-0000-000000000001")
ACCEPTS = ("xgewerbeanzeige",)


def test_a_readable_routed_message_is_a_case() -> None:
    assert verdict(Received(False, GEWERBE), ACCEPTS, 10, 100).state is InboundState.RECEIVED


def test_quarantine_reasons_in_their_order() -> None:
    assert verdict(Received(True, None), ACCEPTS, 500, 100).reason is QuarantineReason.TOO_LARGE
    assert verdict(Received(False, GEWERBE), ACCEPTS, 101, 100).reason is QuarantineReason.TOO_LARGE
    assert verdict(Received(False, None, "broken"), ACCEPTS, 1, 100).reason is QuarantineReason.UNPARSEABLE
    invalid = Received(False, GEWERBE, schema_problems=("bad",))
    assert verdict(invalid, ACCEPTS, 1, 100).reason is QuarantineReason.SCHEMA
    assert verdict(Received(False, GEWERBE), ("xbau",), 1, 100).reason is QuarantineReason.UNROUTABLE


def test_the_header_reader_finds_standard_type_and_uuid() -> None:
    data = (
        b"<x:abh.gewerbemeldung.0500 xmlns:x='http://www.xgewerbeanzeige.de/spezifikation/2.2' version='2.2'>"
        b"<x:nachrichtenkopf><x:identifikation.nachricht><x:nachrichtenUUID> 1b4e28ba-2fa1-11d2-883f-0016d3cca427 "
        b"</x:nachrichtenUUID></x:identifikation.nachricht></x:nachrichtenkopf></x:abh.gewerbemeldung.0500>"
    )
    facts = read_message(data, "application/xml", None)
    assert facts.header == XoevHeader(
        "xgewerbeanzeige", "2.2", "abh.gewerbemeldung.0500", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    )
    assert facts.schema_problems == ()


def test_the_header_reader_names_what_is_wrong() -> None:
    assert read_message(b"<a", "application/xml", None).problem is not None
    assert "no nachrichtenkopf" in str(read_message(b"<a xmlns='urn:x'/>", "application/xml", None).problem)
    wrong = read_message(
        b"<x:m xmlns:x='http://www.xgewerbeanzeige.de/spezifikation/2.2' version='2.1'><x:nachrichtenkopf>"
        b"<x:nachrichtenUUID>not-a-uuid</x:nachrichtenUUID></x:nachrichtenkopf></x:m>",
        "application/xml",
        None,
    )
    assert len(wrong.schema_problems) == 2
    entity = b"<!DOCTYPE a [<!ENTITY e 'x'>]><a xmlns='urn:x'>&e;</a>"
    assert read_message(entity, "application/xml", None).header is None
