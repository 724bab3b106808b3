"""The SOAP vendor simulator over real HTTP: as strict as a vendor's SOAP stack, idempotent, faults on demand."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.sim.soap_vendor import NS, SOAP_ACTION

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
MESSAGE_ID = "0b7e3c52-5d7e-4c43-9a52-6a3c2f0f0a01"


def request_body(message_id: str = MESSAGE_ID, dog_name: str = "Bello", envelope_ns: str = SOAP11) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="{envelope_ns}"><s:Body><hs:VorgangAnlegen xmlns:hs="{NS}">
<hs:NachrichtId>{message_id}</hs:NachrichtId><hs:Leistung>hundesteuer-anmeldung</hs:Leistung>
<hs:Gemeindeschluessel>05562014</hs:Gemeindeschluessel>
<hs:Antragsteller><hs:Art>NATUERLICHE_PERSON</hs:Art><hs:Name>Mustermann, Erika</hs:Name>
<hs:Anschrift><hs:StrasseHausnummer>Musterstraße 12a</hs:StrasseHausnummer><hs:Postleitzahl>45964</hs:Postleitzahl>
<hs:Ort>Gladbeck</hs:Ort></hs:Anschrift></hs:Antragsteller>
<hs:Steuerpflicht><hs:Beginn>2026-03-01</hs:Beginn></hs:Steuerpflicht>
<hs:Hunde><hs:Hund><hs:Name>{dog_name}</hs:Name><hs:Rasse>Labrador</hs:Rasse><hs:Geburtsdatum>2024-11-20</hs:Geburtsdatum>
<hs:HaltungSeit>2026-02-15</hs:HaltungSeit><hs:Gefaehrlich>false</hs:Gefaehrlich></hs:Hund></hs:Hunde>
</hs:VorgangAnlegen></s:Body></s:Envelope>""".encode()


SOAP11_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'}
SOAP12_HEADERS = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{SOAP_ACTION}"'}


def call(sim: httpx.Client, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return sim.post("/systems/gladbeck/soap", content=body, headers=headers or SOAP11_HEADERS)


def answer_text(response: httpx.Response, path: str) -> str | None:
    root = etree.fromstring(response.content)
    found: str | None = root.findtext(path, namespaces={"hs": NS, "s": SOAP11, "e": SOAP12})
    return found


def test_a_valid_request_gets_a_vorgangsnummer_and_a_repeat_gets_the_same(vendor_sim: httpx.Client) -> None:
    first = call(vendor_sim, request_body())
    again = call(vendor_sim, request_body())

    assert (first.status_code, again.status_code) == (200, 200)
    number = answer_text(first, "s:Body/hs:VorgangAnlegenAntwort/hs:Vorgangsnummer")
    assert number is not None
    assert number.startswith("HST-")
    assert answer_text(again, "s:Body/hs:VorgangAnlegenAntwort/hs:Vorgangsnummer") == number
    assert answer_text(first, "s:Body/hs:VorgangAnlegenAntwort/hs:Wiederholung") == "false"
    assert answer_text(again, "s:Body/hs:VorgangAnlegenAntwort/hs:Wiederholung") == "true"
    (stored,) = vendor_sim.get("/_sim/messages").json()
    assert (stored["messageId"], stored["repeats"], stored["soapVersion"]) == (MESSAGE_ID, 1, "1.1")
    assert vendor_sim.get(f"/_sim/messages/{MESSAGE_ID}").json()["vorgangsnummer"] == number


def test_a_soap12_request_is_answered_in_soap12(vendor_sim: httpx.Client) -> None:
    response = call(vendor_sim, request_body(envelope_ns=SOAP12), SOAP12_HEADERS)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/soap+xml; charset=utf-8"
    assert answer_text(response, "e:Body/hs:VorgangAnlegenAntwort/hs:Vorgangsnummer")


@pytest.mark.parametrize(
    ("body", "headers", "status", "words"),
    [
        (request_body(dog_name="B" * 31), SOAP11_HEADERS, 500, "Schemaverletzung"),
        (request_body(dog_name="B" * 31, envelope_ns=SOAP12), SOAP12_HEADERS, 400, "Schemaverletzung"),
        (request_body(), {**SOAP11_HEADERS, "SOAPAction": '"urn:x:Loeschen"'}, 500, "unknown SOAPAction"),
        (request_body(), {"Content-Type": "text/xml"}, 500, "needs the SOAPAction header"),
        (request_body(envelope_ns=SOAP12), SOAP11_HEADERS, 500, "expected a SOAP 1.1 envelope"),
    ],
    ids=["schema-1.1", "schema-1.2", "action", "no-action", "version-mismatch"],
)
def test_a_request_the_wsdl_does_not_allow_gets_a_client_fault_and_is_not_stored(
    vendor_sim: httpx.Client, body: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    response = call(vendor_sim, body, headers)

    assert response.status_code == status
    fault = etree.fromstring(response.content)
    assert words in "".join(fault.itertext())
    assert vendor_sim.get("/_sim/messages").json() == []


def test_a_request_with_an_external_entity_is_refused_unread(vendor_sim: httpx.Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-0815", encoding="utf-8")
    body = request_body(dog_name="&xxe;").replace(
        b"<s:Envelope", f'<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n<s:Envelope'.encode(), 1
    )

    response = call(vendor_sim, body)

    assert response.status_code == 500
    assert answer_text(response, "s:Body/s:Fault/faultcode") == "soapenv:Client"
    assert "declares entities" in (answer_text(response, "s:Body/s:Fault/faultstring") or "")
    assert "TOP-SECRET-0815" not in response.text
    assert vendor_sim.get("/_sim/messages").json() == []


def test_injected_soap_faults_carry_code_reason_and_detail(vendor_sim: httpx.Client) -> None:
    rule = {"mode": "soapFault", "faultCode": "Server", "detail": "TechnischerFehler", "reason": "Wartung", "count": 1}
    assert vendor_sim.post("/_sim/faults", json=rule).status_code == 201

    faulted = call(vendor_sim, request_body())
    recovered = call(vendor_sim, request_body())

    assert faulted.status_code == 500
    assert answer_text(faulted, "s:Body/s:Fault/faultcode") == "soapenv:Server"
    assert answer_text(faulted, "s:Body/s:Fault/faultstring") == "Wartung"
    assert answer_text(faulted, "s:Body/s:Fault/detail/hs:TechnischerFehler/hs:Code") == "HST-T-500"
    assert recovered.status_code == 200
    assert vendor_sim.get("/_sim/faults").json() == []


@pytest.mark.parametrize(
    "rule",
    [
        {"mode": "soapFault", "detail": "Unbekannt"},
        {"mode": "soapFault", "faultCode": "Sender"},
        {"mode": "status", "faultCode": "Server"},
        {"mode": "explode"},
    ],
    ids=["unknown-detail", "fault-code", "code-without-fault", "mode"],
)
def test_invalid_fault_rules_are_refused(vendor_sim: httpx.Client, rule: dict[str, str]) -> None:
    assert vendor_sim.post("/_sim/faults", json=rule).status_code == 400
    assert vendor_sim.get("/_sim/faults").json() == []
