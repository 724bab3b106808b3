"""A FIT-Connect case made an application (hub.service.fitconnect_cases): service by LeiKa key, files, refusals.

No database and no network: the connectors are a stand-in that records what it was asked to build
(the real mapping runs in tests/inbound/test_fitconnect_delivery.py).
"""

from __future__ import annotations

import hashlib

import orjson
import pytest

from hub.connectors.base import Destination, OutboundMessage, SubmissionData
from hub.connectors.inbound import SourceConfig
from hub.domain.inbound import XoevHeader
from hub.errors import RoutingError
from hub.routing.region import Service
from hub.service.fitconnect_cases import METADATA_FILE, FitConnectCases, is_fit_connect
from hub.service.received_case import CaseMessage, InvalidCase, Unroutable

DOG_TAX = "99102013000000"
GENERIC = "99001009000000"
SOURCE = SourceConfig("fc", "fitconnect-subscriber", "05562014", destinations=("backoffice",))
APPLICANT = {
    "kind": "person",
    "givenName": "Erika",
    "familyName": "Mustermann",
    "address": {"street": "Musterstraße", "postalCode": "45964", "city": "Gladbeck"},
}


class Builders:
    def __init__(self) -> None:
        self.built: list[SubmissionData] = []

    def get(self, destination: Destination) -> Builders:
        return self

    def build(self, submission: SubmissionData, message_id: str) -> OutboundMessage:
        self.built.append(submission)
        return OutboundMessage(message_id, "application/json", b"{}")


class Catalogue:
    """The generic path: one catalogued key."""

    def service(self, service_id: str) -> Service:
        if service_id != f"leika-{GENERIC}":
            raise RoutingError(f"unknown service {service_id!r}", "/service")
        return Service(service_id, "Generic", None, leika=GENERIC)

    def destinations(self, service_id: str, ags: str) -> list[Destination]:
        raise AssertionError("a received case is routed by its source")


SERVICES = {
    "hundesteuer-anmeldung": Service("hundesteuer-anmeldung", "Anmeldung", None, leika=DOG_TAX),
    "hundesteuer-abmeldung": Service("hundesteuer-abmeldung", "Abmeldung", None, leika=DOG_TAX),
}


def _cases() -> tuple[FitConnectCases, Builders]:
    builders = Builders()
    destinations = {"backoffice": Destination("backoffice", "Back office", "fachverfahren-rest")}
    return FitConnectCases(SERVICES, Catalogue(), destinations, builders), builders


def _case(leika: str, data: object, files: tuple[tuple[str | None, str, bytes], ...] = ()) -> CaseMessage:
    content = orjson.dumps(data) if not isinstance(data, bytes) else data
    parts = [(name, media, hashlib.sha256(body).hexdigest(), body) for name, media, body in files]
    return CaseMessage(
        "inbound-1", XoevHeader("fit-connect", "2.1.0", leika, "sub-1"), content, "application/json", parts
    )


def test_a_key_two_services_share_is_decided_by_the_data_s_service() -> None:
    cases, builders = _cases()
    data = {"service": "hundesteuer-abmeldung", "applicant": APPLICANT, "form": {"endDate": "2026-01-31"}}
    made = cases.submission(SOURCE, _case(DOG_TAX, data))
    assert made.service == "hundesteuer-abmeldung"
    [built] = builders.built
    assert (built.service, built.municipality, built.leika) == ("hundesteuer-abmeldung", "05562014", DOG_TAX)
    assert built.envelope["form"] == {"endDate": "2026-01-31"}
    assert built.envelope["inbound"]["submissionId"] == "sub-1"
    with pytest.raises(Unroutable, match="hundesteuer-abmeldung, hundesteuer-anmeldung"):
        cases.submission(SOURCE, _case(DOG_TAX, {"applicant": APPLICANT, "form": {}}))


def test_a_key_the_region_lacks_takes_the_generic_path_or_is_unroutable() -> None:
    cases, builders = _cases()
    made = cases.submission(SOURCE, _case(GENERIC, {"anliegen": "Sperrmüll"}))
    assert made.service == f"leika-{GENERIC}"
    assert builders.built[0].envelope["form"] == {"anliegen": "Sperrmüll"}  # the data is the form alone
    with pytest.raises(Unroutable, match="99999999999999"):
        cases.submission(SOURCE, _case("99999999999999", {"a": 1}))


def test_the_metadata_file_is_not_a_file_of_the_application() -> None:
    cases, builders = _cases()
    files = (
        (METADATA_FILE, "application/json", b"{}"),
        ("miete.pdf", "application/pdf", b"%PDF-1.7 x"),
        (None, "application/pdf", b"%PDF-1.4 y"),
    )
    made = cases.submission(SOURCE, _case(GENERIC, {"a": 1}, files))
    assert [a.file_name for a in made.attachments] == ["miete.pdf", "anlage-2"]
    assert [a["fileName"] for a in builders.built[0].envelope["attachments"]] == ["miete.pdf", "anlage-2"]


def test_data_that_is_no_json_object_or_names_a_bad_applicant_is_a_schema_violation() -> None:
    cases, _ = _cases()
    with pytest.raises(InvalidCase, match="not JSON"):
        cases.submission(SOURCE, _case(GENERIC, b"{not json"))
    with pytest.raises(InvalidCase, match="not a JSON object"):
        cases.submission(SOURCE, _case(GENERIC, [1, 2]))
    bad = {**APPLICANT, "address": {"street": "Musterstraße", "postalCode": "PLZ?45964!", "city": "Gladbeck"}}
    with pytest.raises(InvalidCase) as refused:
        cases.submission(SOURCE, _case(GENERIC, {"applicant": bad, "form": {}}))
    assert "/applicant/address/postalCode" in str(refused.value)
    assert "PLZ?" not in str(refused.value)  # the value is not told


def test_fit_connect_standards_are_recognised() -> None:
    assert is_fit_connect("fit-connect-2.1.0")
    assert is_fit_connect("fit-connect")
    assert not is_fit_connect("xgewerbeanzeige-2.2")
    assert not is_fit_connect(None)
