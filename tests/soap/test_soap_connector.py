"""The SOAP connector on its own: what it builds, what it refuses at intake, and broken destinations."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.fachverfahren.soap import SoapConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.errors import ConfigError, MappingError
from hub.mapping.catalog import MappingCatalog
from hub.routing.region import destination_from
from hub.sim.soap_vendor import DEFAULT_WSDL
from tests.soap.conftest import STANDARD, WSDL_FILE
from tests.support.envelopes import sample

MESSAGE_ID = "6c1f0000-0000-4000-8000-000000000001"
SPEC = PROJECT_ROOT / "mappings" / f"hundesteuer-anmeldung.{STANDARD}.yaml"


def submission(envelope: dict[str, Any] | None = None) -> SubmissionData:
    return SubmissionData("s-1", datetime(2026, 3, 1, tzinfo=UTC), envelope or sample())


def destination(**settings: Any) -> Destination:
    """A destination on the sample WSDL; a setting given as None is left out."""
    values = {
        "wsdlFile": str(DEFAULT_WSDL),
        "operation": "VorgangAnlegen",
        "address": "http://127.0.0.1:9/soap",
        "messageIdParameter": "/NachrichtId",
        **settings,
    }
    values = {key: value for key, value in values.items() if value is not None}
    return Destination(id="test-soap", name="test", connector="fachverfahren-soap", standard=STANDARD, settings=values)


@pytest.fixture(scope="module")
def context() -> ConnectorContext:
    return ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"))


def context_with_spec(tmp_path: Path, change: Any) -> ConnectorContext:
    """A catalog holding only a changed copy of the SOAP spec."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    change(spec)
    (tmp_path / SPEC.name).write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return ConnectorContext(mappings=MappingCatalog.load(tmp_path))


def test_build_is_deterministic_and_carries_the_soap11_headers(context: ConnectorContext) -> None:
    connector = SoapConnector(destination(), context)

    first = connector.build(submission(), MESSAGE_ID)
    second = connector.build(submission(), MESSAGE_ID)

    assert first == second
    assert first.media_type == "text/xml"
    assert first.headers == {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": '"urn:example:fachverfahren:hundesteuer:1:VorgangAnlegen"',
        "X-Hub-Message-Id": MESSAGE_ID,
    }
    assert first.body.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope")
    assert f"<ns0:NachrichtId>{MESSAGE_ID}</ns0:NachrichtId>".encode() in first.body


def test_every_field_the_wsdl_refuses_is_named_by_its_pointer(context: ConnectorContext) -> None:
    envelope = sample()
    envelope["applicant"]["address"]["postalCode"] = "45964-GLADBECK"
    envelope["form"]["dogs"][0]["name"] = "B" * 31

    with pytest.raises(MappingError) as caught:
        SoapConnector(destination(), context).build(submission(envelope), MESSAGE_ID)

    found = {p.pointer: (p.location, p.rule) for p in caught.value.problems}
    assert found == {
        "/applicant/address/postalCode": ("VorgangAnlegen/Antragsteller/Anschrift/Postleitzahl", "wsdl"),
        "/form/dogs/0/name": ("VorgangAnlegen/Hunde/Hund[1]/Name", "wsdl"),
    }


def test_values_zeep_would_silently_coerce_are_refused(tmp_path: Path, context: ConnectorContext) -> None:
    # Given a spec that maps the dangerous-dog flag with J/N codes into the WSDL's xs:boolean
    def ja_nein(spec: dict[str, Any]) -> None:
        (group,) = [f for f in spec["fields"] if f["target"] == "/Hunde/Hund"]
        (flag,) = [f for f in group["fields"] if f["target"] == "/Gefaehrlich"]
        flag["transform"] = "bool_ja_nein"

    connector = SoapConnector(destination(), context_with_spec(tmp_path, ja_nein))

    # When a submission is built, then each dog's flag is refused at its pointer (zeep would send "true")
    with pytest.raises(MappingError) as caught:
        connector.build(submission(), MESSAGE_ID)
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        (f"/form/dogs/{i}/dangerous", "the destination's interface (VorgangAnlegen) refuses it: "
         "must be true or false (xs:boolean), got 'N'")
        for i in (0, 1)
    ]  # fmt: skip


def test_a_missing_required_element_names_the_source_of_its_structure(tmp_path: Path) -> None:
    # Given a spec that leaves out the town of the applicant's address
    def no_city(spec: dict[str, Any]) -> None:
        spec["fields"] = [f for f in spec["fields"] if f["target"] != "/Antragsteller/Anschrift/Ort"]

    connector = SoapConnector(destination(), context_with_spec(tmp_path, no_city))

    with pytest.raises(MappingError) as caught:
        connector.build(submission(), MESSAGE_ID)
    (problem,) = caught.value.problems
    assert problem.pointer == "/applicant/address"
    assert problem.location == "VorgangAnlegen/Antragsteller/Anschrift/Ort"
    assert "is required by the destination's interface" in problem.message


def test_a_spec_naming_elements_the_wsdl_lacks_is_a_config_error(tmp_path: Path) -> None:
    def extra(spec: dict[str, Any]) -> None:
        spec["fields"].append({"target": "/Antragsteller/Spitzname", "const": "Eri"})

    with pytest.raises(ConfigError, match=r"/Antragsteller/Spitzname: is no element of AntragstellerType"):
        SoapConnector(destination(), context_with_spec(tmp_path, extra)).build(submission(), MESSAGE_ID)


def test_wsdl_file_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    raw = {"id": "d", "connector": "fachverfahren-soap", "settings": {"wsdlFile": WSDL_FILE, "operation": "X"}}
    assert destination_from(raw, base=tmp_path).settings["wsdlFile"] == str(tmp_path / WSDL_FILE)
    absolute = {**raw, "settings": {"wsdlFile": str(DEFAULT_WSDL)}}
    assert destination_from(absolute, base=tmp_path).settings["wsdlFile"] == str(DEFAULT_WSDL)


def remote_import_wsdl(tmp_path: Path) -> Path:
    """The sample WSDL, but importing its XSD from the network."""
    text = DEFAULT_WSDL.read_text(encoding="utf-8").replace(
        'schemaLocation="hundesteuer-fachverfahren.xsd"', 'schemaLocation="http://127.0.0.1:9/hundesteuer.xsd"'
    )
    path = tmp_path / "remote.wsdl"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"operation": "VorgangLoeschen"}, "has no operation 'VorgangLoeschen'; it has VorgangAnlegen"),
        ({"port": "HundesteuerSoap13"}, "has no port 'HundesteuerSoap13'; it has HundesteuerSoap11, HundesteuerSoap12"),
        ({"service": "Kfz"}, "the WSDL has no service 'Kfz'"),
        ({"wsdlFile": "/nonexistent/x.wsdl"}, "is not a file"),
        ({"wsdl": "x.wsdl", "wsdlFile": None}, "is set with 'wsdlFile'"),
        ({"receiptPath": "//["}, "is not an XPath"),
        ({"messageIdParameter": "NachrichtId"}, "must be a JSON pointer"),
        ({"permanentFaults": "Fachfehler"}, "must be a list of element names"),
    ],
    ids=["operation", "port", "service", "missing-file", "wsdl-key", "xpath", "pointer", "fault-list"],
)
def test_a_broken_destination_is_a_config_error_naming_it(
    context: ConnectorContext, settings: dict[str, Any], complaint: str
) -> None:
    connector = SoapConnector(destination(**settings), context)
    with pytest.raises(ConfigError, match="destination 'test-soap' \\(fachverfahren-soap\\)") as caught:
        connector.build(submission(), MESSAGE_ID)
    assert complaint in str(caught.value)


def test_schemas_are_never_fetched_from_the_network(tmp_path: Path, context: ConnectorContext) -> None:
    shutil.copy(DEFAULT_WSDL.with_suffix(".xsd"), tmp_path)
    connector = SoapConnector(destination(wsdlFile=str(remote_import_wsdl(tmp_path))), context)

    with pytest.raises(
        ConfigError, match=r"cannot be loaded offline: it refers to http://127\.0\.0\.1:9/hundesteuer\.xsd"
    ):
        connector.build(submission(), MESSAGE_ID)
