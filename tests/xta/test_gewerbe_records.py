"""Gewerbe records against the KoSIT test messages: a posting of each test case makes the sample's ``satz``.

There is no XGewerbeanzeige XSD here, so the specs build in spec order (``withoutSchema:
spec-order``) and what the hub makes is held to the official test messages instead: the posting
describing a KoSIT test case, built by the ``gewerbe-nrw`` connector as at intake, gives a record
equal to the sample's in canonical XML, except the message's own elements (see
``tests.xta.gewerbe_support.MESSAGE_OWN``). References:

* Anmeldung 2.2: ``xgwa2.2-valid.xml`` (test case 01.002 A);
* Abmeldung 2.1: ``xgwa2.1-valid.xml`` (test case 01.011 C);
* Ummeldung 2.1: record B of ``xgwa2.1-invalid-xsd.xml`` (test case 01.004 B), the only KoSIT
  Ummeldung written like the valid 2.1 message (the file is refused as a whole; which part the
  validator objects to cannot be told without the XSD, so the match shows the mapping reproduces the
  record, not that the record is valid);
* Um- and Abmeldung 2.2: KoSIT publishes neither. Their records are checked structurally: the same
  elements, order and values as the 2.1 reference built from the same posting, in 2.2's conventions as
  the 2.2 sample shows them (codes carry only ``listVersionID``; ``nationSchluessel`` is a code).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from hub.config import PROJECT_ROOT
from tests.config.test_region_files import ENVELOPE_SCHEMA
from tests.xta.gewerbe_support import (
    XGA,
    build,
    comparable,
    connector,
    posting,
    record,
    sample,
)

FORMS = PROJECT_ROOT / "config" / "emscher-lippe" / "forms"
REGION_SAMPLES = PROJECT_ROOT / "config" / "emscher-lippe" / "samples"
ABH_READER = {
    "prefix": "azr",
    "code": "000100",
    "name": "Phantasie-Verteilplattform",
    "listUri": "urn:de:xauslaender:codelist:abhkennung",
    "listVersion": "14",
}
STA_READER = {
    "prefix": "xga",
    "code": "491000000000",
    "name": "Bayerisches Landesamt für Statistik - Sammelstelle Statistik",
    "listUri": "urn:xoev-de:xgewerbeanzeige:codeliste:weiterekommunikationspartner",
    "listVersion": "2018-10-11",
}


def test_the_kosit_2_2_anmeldung_posted_as_json_makes_the_samples_record() -> None:
    # Given the posting of KoSIT test case 01.002 (Tibor Pick, Friseur) and an abh. receiver as in the sample
    gewerbe = connector("xgewerbeanzeige-2.2", "abh", ABH_READER)
    reference = sample("xgwa2.2-valid.xml")

    # When the connector builds the message
    message = build(gewerbe, posting("kosit-2.2-anmeldung.json"))

    # Then it is the sample's kind of message, and its record is the sample's
    assert message.tag == f"{{{XGA.format('2.2')}}}abh.gewerbemeldung.0500"
    assert message.findtext(".//{*}nachrichtentyp/code") == "0500"
    assert comparable(record(message, "2.2"), new_business=True) == comparable(
        record(reference, "2.2"), new_business=True
    )
    # and the header's author is the sample's Gewerbeamt, its reader the sample's platform
    ns = {"xga": XGA.format("2.2")}
    ours_author, their_author = (m.find("xga:nachrichtenkopf/xga:autor", ns) for m in (message, reference))
    assert etree.tostring(ours_author, method="c14n") == etree.tostring(
        etree.fromstring(comparable_element(their_author)), method="c14n"
    )
    assert message.findtext("xga:nachrichtenkopf/xga:leser/xga:behoerdenkennung/xga:kennung/code", namespaces=ns) == (
        "000100"
    )


def comparable_element(element: Any) -> bytes:
    """An element without comments and indentation (as our builder writes it)."""
    copy = etree.fromstring(etree.tostring(element))
    etree.strip_elements(copy, etree.Comment, with_tail=False)
    for node in copy.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        node.tail = None
    return bytes(etree.tostring(copy))


def test_the_kosit_2_1_abmeldung_posted_as_json_makes_the_samples_record() -> None:
    # Given the posting of KoSIT test case 01.011 (DJ Rei Z gives up) and a sta. receiver as in the sample
    gewerbe = connector("xgewerbeanzeige-2.1", "sta", STA_READER)

    # When the connector builds the message
    message = build(gewerbe, posting("kosit-2.1-abmeldung.json"))

    # Then it is a sta.gewerbemeldung.0100 whose record is the sample's, gewerbebetriebID included
    assert message.tag == f"{{{XGA.format('2.1')}}}sta.gewerbemeldung.0100"
    assert comparable(record(message, "2.1"), new_business=False) == comparable(
        record(sample("xgwa2.1-valid.xml"), "2.1"), new_business=False
    )


def test_the_kosit_2_1_ummeldung_posted_as_json_makes_the_samples_record() -> None:
    # Given the posting of KoSIT test case 01.004 B (Logistik 24 GmbH) and an alg. receiver as in the file
    gewerbe = connector("xgewerbeanzeige-2.1", "alg", STA_READER)

    # When the connector builds the message
    message = build(gewerbe, posting("kosit-2.1-ummeldung.json"))

    # Then its record is record B of the KoSIT file
    assert message.tag == f"{{{XGA.format('2.1')}}}alg.gewerbemeldung.0300"
    assert comparable(record(message, "2.1"), new_business=False) == comparable(
        record(sample("xgwa2.1-invalid-xsd.xml"), "2.1", position=1), new_business=False
    )


def shape(satz: Any) -> list[tuple[str, str]]:
    """(path of local names, text) of every element, with 2.1's nationSchluessel text read as 2.2's code."""
    out = []
    for element in satz.iter(etree.Element):
        name = etree.QName(element).localname
        if name == "natSchluesselVerzeichnis":
            continue
        path = "/".join(etree.QName(e).localname for e in [*reversed(list(element.iterancestors())), element])
        text = (element.text or "").strip()
        if name == "code" and path.endswith("nationSchluessel/code"):
            path = path.removesuffix("/code")
        if name == "nationSchluessel" and not text:
            continue  # 2.2: the value is in its code child
        out.append((path, text))
    return out


@pytest.mark.parametrize(
    ("kind", "reference", "position"),
    [("ummeldung", "xgwa2.1-invalid-xsd.xml", 1), ("abmeldung", "xgwa2.1-valid.xml", 0)],
)
def test_a_2_2_um_and_abmeldung_has_the_2_1_records_structure_in_2_2s_conventions(
    kind: str, reference: str, position: int
) -> None:
    # Given the posting of the KoSIT 2.1 case, sent to a 2.2 receiver
    gewerbe = connector("xgewerbeanzeige-2.2", "sta", STA_READER)
    expected = record(sample(reference), "2.1", position=position)
    strip = comparable(expected, new_business=False)

    # When the connector builds the message
    message = build(gewerbe, posting(f"kosit-2.1-{kind}.json"))
    ours = etree.fromstring(comparable(record(message, "2.2"), new_business=False))

    # Then it is a 2.2 sta.gewerbemeldung.0100 with the 2.1 record's elements, order and values
    assert message.tag == f"{{{XGA.format('2.2')}}}sta.gewerbemeldung.0100"
    assert shape(ours) == shape(etree.fromstring(strip))
    # written the 2.2 way: no listURI but on the author's kennung, nationSchluessel a code with its version
    uris = [e for e in ours.iter(etree.Element) if e.get("listURI") is not None]
    assert [etree.QName(e.getparent().getparent()).localname for e in uris] == ["autor"]
    nation = ours.find(".//{*}gewerbe/{*}anschrift/{*}nationSchluessel")
    assert nation is not None
    assert nation.get("listVersionID") == "2"
    assert nation.findtext("code") == "276"


@pytest.mark.parametrize(
    ("service", "envelope"),
    [
        ("gewerbe-anmeldung", posting("kosit-2.2-anmeldung.json")),
        ("gewerbe-ummeldung", posting("kosit-2.1-ummeldung.json")),
        ("gewerbe-abmeldung", posting("kosit-2.1-abmeldung.json")),
    ],
)
def test_the_kosit_postings_are_valid_envelopes_of_their_forms(service: str, envelope: dict[str, Any]) -> None:
    # Given a KoSIT posting and the region's sample of the same service
    region_sample = json.loads((REGION_SAMPLES / f"{service}.json").read_text(encoding="utf-8"))
    form = json.loads((FORMS / f"{service}.schema.json").read_text(encoding="utf-8"))
    checker = Draft202012Validator.FORMAT_CHECKER

    # When both are checked against the envelope and the service's form schema
    errors = [
        e.message
        for doc in (envelope, region_sample)
        for e in [
            *Draft202012Validator(ENVELOPE_SCHEMA, format_checker=checker).iter_errors(doc),
            *Draft202012Validator(form, format_checker=checker).iter_errors(doc["form"]),
        ]
    ]

    # Then they fit, and they are postings of that service
    assert errors == []
    assert envelope["service"] == region_sample["service"] == service
