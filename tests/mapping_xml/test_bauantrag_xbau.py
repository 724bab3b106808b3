"""The Bauantrag as XBau 2.6 ``baugenehmigung.antrag.0200``: spec, form schema, sample and the official XSD.

The spec (``mappings/bauantrag.xbau-2.6.yaml``) is checked against the real XBau 2.6 set in
``../shared/standards``; the sample envelope plus the ``hub`` object the delivery connector adds is
mapped and the result validated by the catalog's lxml validator, so a spec that drifts from the XSD
fails here and not in a dead letter.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from hub.config import PROJECT_ROOT
from hub.domain.envelope import SubmissionRequest
from hub.errors import MappingError
from hub.mapping.xml import BoundXmlSpec, apply_xml_spec, bind_xml_spec, check_spec, load_xml_spec
from hub.schemas import SchemaCatalog

SPEC = PROJECT_ROOT / "mappings" / "bauantrag.xbau-2.6.yaml"
FORM_SCHEMA = PROJECT_ROOT / "config" / "emscher-lippe" / "forms" / "bauantrag.schema.json"
SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "bauantrag.json"
XBAU = "http://www.xleitstelle.de/xbau/2/6"
HUB = {
    "messageId": "3f2c1a9e-6b1d-4c55-9e0f-1a2b3c4d5e6f",
    "submissionId": "6c1f0b7e-2d3a-4f5b-8c9d-0e1f2a3b4c5d",
    "createdAt": "2026-05-04T10:15:00+02:00",
    "author": {"prefix": "psw", "code": "05562014", "name": "Emscher-Lippe Integration Hub"},
    "reader": {"prefix": "bau", "code": "05562014", "name": "Stadt Gladbeck, Bauordnung"},
}


@pytest.fixture(scope="module")
def bound(standards_catalog: SchemaCatalog) -> BoundXmlSpec:
    return bind_xml_spec(load_xml_spec(SPEC), standards_catalog)


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def with_hub(envelope: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(envelope), "hub": copy.deepcopy(HUB)}


def form_errors(form: dict[str, Any]) -> list[str]:
    schema = json.loads(FORM_SCHEMA.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(form)]


def xsd_problems(catalog: SchemaCatalog, document: bytes) -> list[str]:
    return [str(p) for p in catalog.validator("xbau-2.6").validate(etree.fromstring(document))]


def two_owners_two_plots() -> dict[str, Any]:
    envelope = sample()
    envelope["form"]["bauherren"].append(
        {
            "kind": "organisation",
            "organisationName": "Beispiel Wohnbau GmbH",
            "address": {"street": "Industriestraße", "houseNumber": "7", "postalCode": "45964", "city": "Gladbeck"},
        }
    )
    envelope["form"]["grundstuecke"].append(
        {
            "flurstuecke": [
                {"gemarkung": "Gladbeck", "flur": "12", "zaehler": "346"},
                {"gemarkung": "Gladbeck", "zaehler": "347"},
            ]
        }
    )
    return envelope


def test_the_spec_has_no_problems_against_xbau_2_6(standards_catalog: SchemaCatalog) -> None:
    assert check_spec(load_xml_spec(SPEC), standards_catalog) == []


def test_the_sample_is_a_valid_submission_of_the_form() -> None:
    envelope = sample()
    request = SubmissionRequest.model_validate(envelope)
    assert request.service == "bauantrag"
    assert request.municipality == "05562014"
    assert form_errors(envelope["form"]) == []
    for anlage in envelope["form"]["anlagen"]:  # each Anlage describes an existing attachment
        attachment = request.attachments[anlage["attachment"]]
        assert attachment.decoded().startswith(b"%PDF")
        assert (anlage["fileName"], anlage["mediaType"]) == (attachment.file_name, attachment.media_type)


def test_the_sample_maps_to_a_message_valid_against_the_xsd(
    bound: BoundXmlSpec, standards_catalog: SchemaCatalog
) -> None:
    document = apply_xml_spec(bound, with_hub(sample()))

    assert xsd_problems(standards_catalog, document) == []
    root = etree.fromstring(document)
    assert root.tag == f"{{{XBAU}}}baugenehmigung.antrag.0200"
    assert root.get("standard") == "XBau-Hochbau"
    assert root.get("version") == "2.6"
    head = root.find("nachrichtenkopf.g2g")
    assert head is not None
    assert head.findtext("identifikation.nachricht/nachrichtenUUID") == HUB["messageId"]
    assert head.findtext("identifikation.nachricht/nachrichtentyp/code") == "0200"
    assert head.findtext("leser/kennung") == "bau:05562014"
    assert head.findtext("autor/verzeichnisdienst/code") == "DVDV"
    ids = {e.text for e in root.iter("id")}
    assert len(ids) == 2  # applicant (Antragsteller, Bauherr, Gebührenpflichtiger) and Entwurfsverfasser
    assert root.findtext(".//anlage/anlageart/code") == "0100"
    assert apply_xml_spec(bound, with_hub(sample())) == document  # deterministic


def test_two_builder_owners_and_two_plots_validate(bound: BoundXmlSpec, standards_catalog: SchemaCatalog) -> None:
    envelope = two_owners_two_plots()
    assert form_errors(envelope["form"]) == []

    document = apply_xml_spec(bound, with_hub(envelope))

    assert xsd_problems(standards_catalog, document) == []
    root = etree.fromstring(document)
    owners = root.findall(f"{{{XBAU}}}bauvorhaben/{{{XBAU}}}beteiligte/{{{XBAU}}}bauherr/{{{XBAU}}}bauherr")
    assert [child.tag for owner in owners for child in owner] == ["natuerlichePerson", "organisation"]
    assert owners[1].findtext("organisation/name/name") == "Beispiel Wohnbau GmbH"
    plots = root.findall(f".//{{{XBAU}}}grundstueck")
    assert [len(p.findall(f"{{{XBAU}}}flurstueck")) for p in plots] == [1, 2]


def test_an_organisation_as_applicant_validates(bound: BoundXmlSpec, standards_catalog: SchemaCatalog) -> None:
    envelope = two_owners_two_plots()
    organisation = envelope["form"]["bauherren"].pop()
    envelope["form"]["bauherren"] = [organisation]
    envelope["applicant"] = {**organisation, "email": "bau@wohnbau.example"}
    envelope["form"]["bauherren"][0] = envelope["applicant"]
    SubmissionRequest.model_validate(envelope)
    assert form_errors(envelope["form"]) == []

    document = apply_xml_spec(bound, with_hub(envelope))

    assert xsd_problems(standards_catalog, document) == []
    assert etree.fromstring(document).find(f"{{{XBAU}}}antragsteller/organisation") is not None


@pytest.mark.parametrize(
    ("remove", "pointer"),
    [
        (("form", "grundstuecke", 0, "flurstuecke"), "/form/grundstuecke/0/flurstuecke"),
        (("form", "grundstuecke", 0, "flurstuecke", 0, "zaehler"), "/form/grundstuecke/0/flurstuecke/0/zaehler"),
        (("form", "entwurfsverfasser", "kammer", "mitgliedsnummer"), "/form/entwurfsverfasser/kammer/mitgliedsnummer"),
        (("hub", "messageId"), "/hub/messageId"),
    ],
)
def test_a_missing_required_field_is_named_by_its_pointer(
    bound: BoundXmlSpec, remove: tuple[str | int, ...], pointer: str
) -> None:
    envelope = with_hub(sample())
    parent: Any = envelope
    for key in remove[:-1]:
        parent = parent[key]
    del parent[remove[-1]]

    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, envelope)

    assert pointer in [p.pointer for p in caught.value.problems]


def test_a_code_outside_the_xbau_list_is_named_by_its_pointer(bound: BoundXmlSpec) -> None:
    envelope = with_hub(sample())
    envelope["form"]["entwurfsverfasser"]["kammer"]["kammer"] = "99"  # passes the form's pattern, not Codelist.Kammer

    with pytest.raises(MappingError) as caught:
        apply_xml_spec(bound, envelope)

    assert [p.pointer for p in caught.value.problems] == ["/form/entwurfsverfasser/kammer/kammer"]
