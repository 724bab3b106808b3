"""Property tests of the Bauantrag: what the intake accepts maps to XBau 2.6 valid against XSD and Schematron.

The envelopes come from :mod:`tests.support.bauantrag_strategies`. An envelope the envelope model and the
form schema accept must map (``mappings/bauantrag.xbau-2.6.yaml``, through the connector's
:class:`~hub.connectors.xml_target.XmlTargetBuilder`) to a ``baugenehmigung.antrag.0200`` that the official
XSD and Schematron rules accept, and the compiled renderer must write the same document as the interpreter;
when it does not, the form schema lets through something XBau cannot carry (tighten
the form) or the spec is wrong - the strategy is not to be narrowed to hide it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from lxml import etree

from hub.config import PROJECT_ROOT
from hub.connectors.xml_target import XmlTargetBuilder
from hub.domain.envelope import SubmissionRequest
from hub.errors import MappingError
from hub.mapping.xml import BoundXmlSpec, apply_xml_spec, bind_xml_spec, build_xml, load_xml_spec
from hub.routing.forms import FormSchema
from hub.schemas import SchemaCatalog
from tests.support.bauantrag_strategies import (
    AGS,
    bauantrag_envelopes,
    hub_objects,
    invalid_bauantrag_envelopes,
)

SPEC = PROJECT_ROOT / "mappings" / "bauantrag.xbau-2.6.yaml"
FORM_SCHEMA_PATH = PROJECT_ROOT / "config" / "emscher-lippe" / "forms" / "bauantrag.schema.json"
XBAU = "{http://www.xleitstelle.de/xbau/2/6}"

FORM = FormSchema.load(FORM_SCHEMA_PATH)  # what the intake runs (jsonschema-rs, formats checked)
FORM_PY = Draft202012Validator(
    json.loads(FORM_SCHEMA_PATH.read_text(encoding="utf-8")), format_checker=Draft202012Validator.FORMAT_CHECKER
)
PROPERTY = settings(max_examples=200, deadline=None, database=None)
QUICK = settings(max_examples=60, deadline=None, database=None)


@pytest.fixture(scope="module")
def bound(standards_catalog: SchemaCatalog) -> BoundXmlSpec:
    return bind_xml_spec(load_xml_spec(SPEC), standards_catalog)


@pytest.fixture(scope="module")
def builder(standards_catalog: SchemaCatalog) -> XmlTargetBuilder:
    return XmlTargetBuilder(load_xml_spec(SPEC), standards_catalog)


def canonical(root: Any) -> bytes:
    return bytes(etree.tostring(root, method="c14n"))


def form_pointers(form: Any) -> list[str]:
    return [p.pointer for p in FORM.problems(form)]


@PROPERTY
@given(bauantrag_envelopes())
def test_generated_envelopes_pass_the_envelope_model_and_the_form_schema(envelope: dict[str, Any]) -> None:
    request = SubmissionRequest.model_validate(envelope)

    assert request.service == "bauantrag"
    assert request.municipality in AGS
    assert form_pointers(envelope["form"]) == []
    assert [e.message for e in FORM_PY.iter_errors(envelope["form"])] == []
    form = envelope["form"]
    assert form["bauherren"][0] == envelope["applicant"]  # the applicant first, in the applicant's shape
    assert sorted(a["attachment"] for a in form["anlagen"]) == list(range(len(request.attachments)))
    for anlage in form["anlagen"]:
        attachment = request.attachments[anlage["attachment"]]
        assert (anlage["fileName"], anlage["mediaType"]) == (attachment.file_name, attachment.media_type)
        assert hashlib.sha256(attachment.decoded()).hexdigest() == attachment.sha256


@PROPERTY
@given(bauantrag_envelopes(), st.data())
def test_generated_envelopes_map_to_an_xbau_message_valid_against_the_xsd_and_the_schematron(
    builder: XmlTargetBuilder,
    bound: BoundXmlSpec,
    standards_catalog: SchemaCatalog,
    envelope: dict[str, Any],
    data: st.DataObject,
) -> None:
    hub = data.draw(hub_objects(envelope["municipality"]), label="hub")
    if data.draw(st.booleans(), label="attachment indices as JSON numbers like 1.0"):
        for anlage in envelope["form"]["anlagen"]:  # an integer for the form schema too
            anlage["attachment"] = float(anlage["attachment"])

    full = {**envelope, "hub": hub}

    document = builder.build(full)  # what the connector does at intake: raises MappingError on any problem

    root = etree.fromstring(document)
    problems = [str(p) for p in standards_catalog.validator("xbau-2.6").validate(root)]
    assert problems == []
    rules = standards_catalog.schematron("xbau-2.6")
    assert rules is not None
    assert [str(p) for p in rules.validate(root)] == []
    # the compiled renderer (the fast path) and the interpreter write the same document
    assert canonical(root) == canonical(build_xml(bound, full)) == canonical(etree.fromstring(builder.render(full)))
    form = envelope["form"]
    owners = root.findall(f"{XBAU}bauvorhaben/{XBAU}beteiligte/{XBAU}bauherr/{XBAU}bauherr")
    assert len(owners) == len(form["bauherren"])
    plots = root.findall(f".//{XBAU}grundstueck")
    assert [len(p.findall(f"{XBAU}flurstueck")) for p in plots] == [len(g["flurstuecke"]) for g in form["grundstuecke"]]
    assert [
        (a.findtext("anhangOderVerlinkung/anhang/dokumentid"), a.findtext("anhangOderVerlinkung/anhang/dateiname"))
        for a in root.iter("anlage")
    ] == [(f"urn:x-emscher-lippe-hub:attachment:{int(a['attachment'])}", a["fileName"]) for a in form["anlagen"]]


@QUICK
@given(invalid_bauantrag_envelopes(caught_by="form"))
def test_form_breakages_pass_the_envelope_model_and_are_named_by_the_form_schema(
    broken: tuple[dict[str, Any], str],
) -> None:
    envelope, pointer = broken
    SubmissionRequest.model_validate(envelope)

    assert pointer in form_pointers(envelope["form"])


@QUICK
@given(invalid_bauantrag_envelopes(caught_by="mapping"), hub_objects())
def test_mapping_breakages_pass_the_form_schema_and_are_named_by_the_mapping(
    bound: BoundXmlSpec, builder: XmlTargetBuilder, broken: tuple[dict[str, Any], str], hub: dict[str, Any]
) -> None:
    envelope, pointer = broken
    SubmissionRequest.model_validate(envelope)
    assert form_pointers(envelope["form"]) == []

    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, {**envelope, "hub": hub})
    assert pointer in [p.pointer for p in caught.value.problems]

    # and the connector's pipeline (compiled renderer, XSD, Schematron) names the same field
    with pytest.raises(MappingError) as caught:
        builder.build({**envelope, "hub": hub})
    assert pointer in [p.pointer for p in caught.value.problems]


FEATURES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "a person and an organisation among the builder-owners": lambda e: (
        {b["kind"] for b in e["form"]["bauherren"]} == {"person", "organisation"}
    ),
    "an organisation as the applicant": lambda e: e["applicant"]["kind"] == "organisation",
    "several builder-owners": lambda e: len(e["form"]["bauherren"]) >= 3,
    "plots with and without an address": lambda e: {"address" in g for g in e["form"]["grundstuecke"]} == {True, False},
    "a plot with an empty address": lambda e: any(g.get("address") == {} for g in e["form"]["grundstuecke"]),
    "a plot with several parcels": lambda e: any(len(g["flurstuecke"]) > 1 for g in e["form"]["grundstuecke"]),
    "a parcel with flur and nenner": lambda e: any(
        "flur" in f and "nenner" in f for g in e["form"]["grundstuecke"] for f in g["flurstuecke"]
    ),
    "a parcel without flur and nenner": lambda e: any(
        "flur" not in f and "nenner" not in f for g in e["form"]["grundstuecke"] for f in g["flurstuecke"]
    ),
    "a party without a house number": lambda e: any("houseNumber" not in b["address"] for b in e["form"]["bauherren"]),
    "weitereAngaben over several lines": lambda e: "\n" in e["form"]["vorhaben"].get("weitereAngaben", ""),
    "no weitereAngaben": lambda e: "weitereAngaben" not in e["form"]["vorhaben"],
    "umlauts or ß in names": lambda e: any(
        ch in json.dumps(e["form"]["bauherren"], ensure_ascii=False) for ch in "äöüÄÖÜß"
    ),
    "three or more media types": lambda e: len({a["mediaType"] for a in e["attachments"]}) >= 3,
    "a JPEG attachment": lambda e: any(
        base64.b64decode(a["content"]).startswith(b"\xff\xd8") for a in e["attachments"]
    ),
    "anlagen not in attachment order": lambda e: (
        [a["attachment"] for a in e["form"]["anlagen"]] != list(range(len(e["attachments"])))
    ),
    "several anlagearten": lambda e: len({a["anlageart"] for a in e["form"]["anlagen"]}) >= 2,
    "no portalReference": lambda e: "portalReference" not in e,
}


def test_the_strategy_covers_the_variants_the_property_is_about() -> None:
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(bauantrag_envelopes())
    def record(envelope: dict[str, Any]) -> None:
        seen.update(name for name, holds in FEATURES.items() if holds(envelope))

    record()

    assert sorted(set(FEATURES) - seen) == []
