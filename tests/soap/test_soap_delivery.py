"""The ``fachverfahren-soap`` connector end to end: portal → hub → vendor SOAP simulator, over real HTTP."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from lxml import etree

from hub.sim.soap_vendor import DEFAULT_WSDL, NS, SOAP_ACTION, load_validator
from tests.soap.conftest import SoapHub
from tests.soap.soap_support import inject, outcomes, received, stored_payload, submit
from tests.support.envelopes import sample
from tests.support.region import GLADBECK
from tests.support.rows import row_counts
from tests.support.waiting import wait_status

DESTINATION = "gladbeck-fachverfahren"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"


def q(local: str) -> str:
    return f"{{{NS}}}{local}"


def test_submission_becomes_a_schema_valid_soap_request_and_is_delivered(
    database_url: str, soap_hub: SoapHub, vendor_sim: httpx.Client
) -> None:
    # Given a hub whose Gladbeck destination is the vendor's SOAP 1.1 port
    hub = soap_hub(database_url)

    # When a Hundesteuer-Anmeldung for Gladbeck is submitted
    submission_id = submit(hub)

    # Then it is delivered on the first attempt, with the vendor's Vorgangsnummer as the receipt
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    assert (delivery["destination"], delivery["state"], delivery["attempts"]) == (DESTINATION, "delivered", 1)
    (stored,) = received(vendor_sim)
    assert delivery["receipt"]["reference"] == stored["vorgangsnummer"]
    assert stored["vorgangsnummer"].startswith("HST-")
    assert stored["system"] == "gladbeck"

    # And the vendor got a SOAP 1.1 request with the operation's SOAPAction, valid against the WSDL's schema
    assert stored["soapVersion"] == "1.1"
    assert stored["headers"]["content-type"] == "text/xml; charset=utf-8"
    assert stored["headers"]["soapaction"] == f'"{SOAP_ACTION}"'
    envelope = etree.fromstring(stored["envelope"].encode())
    (request,) = envelope.find(f"{{{SOAP11_ENV}}}Body")
    assert load_validator(DEFAULT_WSDL).validate(request) == []

    # And it carries the mapped values and the hub's message id
    assert request.tag == q("VorgangAnlegen")
    assert request.findtext(q("NachrichtId")) == delivery["messageId"] == stored["messageId"]
    assert request.findtext(q("Gemeindeschluessel")) == GLADBECK
    assert request.findtext(q("Leistung")) == "hundesteuer-anmeldung"
    assert request.findtext(f"{q('Antragsteller')}/{q('Name')}") == "Mustermann, Erika"
    assert request.findtext(f"{q('Antragsteller')}/{q('Anschrift')}/{q('StrasseHausnummer')}") == "Musterstraße 12a"
    assert request.findtext(f"{q('Steuerpflicht')}/{q('Beginn')}") == "2026-03-01"
    dogs = request.findall(f"{q('Hunde')}/{q('Hund')}")
    assert [d.findtext(q("Name")) for d in dogs] == ["Bello", "Luna"]
    assert [d.findtext(q("Gefaehrlich")) for d in dogs] == ["false", "false"]
    assert [d.findtext(q("Geschlecht")) for d in dogs] == ["RUEDE", "HUENDIN"]

    # And those are exactly the bytes the hub stored at intake
    assert stored["envelope"].encode() == stored_payload(hub, delivery["messageId"])


def test_soap12_port_with_basic_auth_is_delivered(
    soap_hub: SoapHub, vendor_sim: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the vendor's SOAP 1.2 port, with basic credentials named by environment variable
    monkeypatch.setenv("TEST_SOAP_USER", "hub")
    monkeypatch.setenv("TEST_SOAP_PASSWORD", "geheim")
    auth = {"kind": "basic", "userEnv": "TEST_SOAP_USER", "passwordEnv": "TEST_SOAP_PASSWORD"}
    hub = soap_hub(port="HundesteuerSoap12", auth=auth)

    # When a submission is made
    submission_id = submit(hub)

    # Then it is delivered as SOAP 1.2, the action in the media type, the credentials in the header
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    (stored,) = received(vendor_sim)
    assert delivery["receipt"]["reference"] == stored["vorgangsnummer"]
    assert stored["soapVersion"] == "1.2"
    assert stored["headers"]["content-type"] == f'application/soap+xml; charset=utf-8; action="{SOAP_ACTION}"'
    assert "soapaction" not in stored["headers"]
    assert etree.fromstring(stored["envelope"].encode()).tag == f"{{{SOAP12_ENV}}}Envelope"


@pytest.mark.parametrize(
    "rule",
    [
        {"mode": "soapFault", "faultCode": "Server", "reason": "Datenbank nicht erreichbar", "recordFirst": True},
        {"mode": "soapFault", "faultCode": "Server", "detail": "TechnischerFehler", "reason": "Wartung"},
        {"mode": "status", "status": 503, "reason": "Service Unavailable"},
        {"mode": "timeout", "latencyMs": 3000},
    ],
    ids=["server-fault-after-commit", "server-fault-technical", "http-503", "timeout"],
)
def test_transient_failures_are_retried_with_the_same_bytes(
    soap_hub: SoapHub, vendor_sim: httpx.Client, rule: dict[str, Any]
) -> None:
    # Given a vendor that fails the next request in this way, and a one-second timeout
    hub = soap_hub(timeoutSeconds=1)
    inject(vendor_sim, count=1, **rule)

    # When a submission is made
    submission_id = submit(hub)

    # Then the first attempt fails transiently and the retry delivers it
    delivery = wait_status(hub, submission_id, "delivered")["deliveries"][0]
    assert delivery["attempts"] == 2
    assert outcomes(hub, submission_id) == ["transient", "ok"]

    # And the vendor holds one case for it, however many attempts reached it, each with the stored bytes
    (stored,) = received(vendor_sim)
    assert delivery["receipt"]["reference"] == stored["vorgangsnummer"]
    expected = hashlib.sha256(stored_payload(hub, delivery["messageId"])).hexdigest()
    assert stored["digests"] == [expected] * (2 if rule.get("recordFirst") else 1)


def test_client_fault_is_dead_with_the_faultstring(soap_hub: SoapHub, vendor_sim: httpx.Client) -> None:
    # Given a vendor that refuses the next request as the client's fault
    hub = soap_hub()
    inject(vendor_sim, mode="soapFault", faultCode="Client", reason="Gemeinde 05562014 nicht freigeschaltet", count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then it is dead after one attempt, with the vendor's faultstring as the reason
    delivery = wait_status(hub, submission_id, "failed")["deliveries"][0]
    assert (delivery["state"], delivery["attempts"], delivery["receipt"]) == ("dead", 1, None)
    assert "SOAP fault Client: Gemeinde 05562014 nicht freigeschaltet" in delivery["lastError"]
    assert received(vendor_sim) == []


def test_server_fault_with_a_detail_configured_permanent_is_dead(soap_hub: SoapHub, vendor_sim: httpx.Client) -> None:
    # Given a destination for which the vendor's Fachfehler is a refusal on the merits, even as a Server fault
    hub = soap_hub(port="HundesteuerSoap12", permanentFaults=["Fachfehler"])
    inject(vendor_sim, mode="soapFault", faultCode="Server", detail="Fachfehler", reason="Hund bereits gemeldet")

    # When a submission is made
    submission_id = submit(hub)

    # Then it is dead after one attempt, naming the fault, its detail and the vendor's words
    delivery = wait_status(hub, submission_id, "failed")["deliveries"][0]
    assert (delivery["state"], delivery["attempts"]) == ("dead", 1)
    assert (
        "SOAP fault Receiver: Hund bereits gemeldet [Fachfehler: HST-F-100 Hund bereits gemeldet]"
        in (delivery["lastError"])
    )


def test_data_the_wsdl_refuses_is_422_at_intake_naming_the_field(soap_hub: SoapHub, vendor_sim: httpx.Client) -> None:
    # Given a dog whose name the portal allows (60 characters) but the vendor's interface does not (30)
    hub = soap_hub()
    envelope = sample()
    envelope["form"]["dogs"][1]["name"] = "Prinzessin Luna vom Emscherbruch-Ufer"

    # When it is submitted
    answer = hub.api.post("/v1/submissions", json=envelope)

    # Then intake refuses it with a validation problem at the dog's name, and stores nothing
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"] == "/problems/validation-error"
    (error,) = problem["errors"]
    assert error["pointer"] == "/form/dogs/1/name"
    assert "maximum length of '30'" in error["detail"]
    assert error["location"] == "VorgangAnlegen/Hunde/Hund[2]/Name"
    assert row_counts(hub) == {"submission": 0, "delivery": 0, "event": 0, "attachment": 0}
    assert received(vendor_sim) == []
