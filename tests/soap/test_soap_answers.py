"""How the SOAP connector reads answers: faults, statuses, receipts, and answers it refuses to parse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.fachverfahren.soap.response import FaultPolicy, read_answer
from hub.errors import PermanentError, TransientError
from hub.sim.kit.server import ServerThread
from hub.sim.soap_vendor import NS
from tests.soap.conftest import SoapHub
from tests.soap.soap_support import submit
from tests.support.waiting import wait_status

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
RECEIPT = "string(tns:VorgangAnlegenAntwort/tns:Vorgangsnummer)"


def answer(status: int, body: str, media_type: str = "text/xml; charset=utf-8") -> httpx.Response:
    return httpx.Response(status, content=body.encode(), headers={"content-type": media_type})


def read(response: httpx.Response, policy: FaultPolicy | None = None) -> str | None:
    receipt = read_answer(
        response,
        operation="VorgangAnlegen",
        policy=policy or FaultPolicy(),
        receipt_path=RECEIPT,
        namespaces={"tns": NS},
    )
    return receipt.reference


def fault11(code: str, reason: str, detail: str = "") -> str:
    return (
        f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault><faultcode>s:{code}</faultcode>'
        f"<faultstring>{reason}</faultstring>{detail}</s:Fault></s:Body></s:Envelope>"
    )


def fault12(code: str, reason: str, detail: str = "") -> str:
    return (
        f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><e:Fault><e:Code><e:Value>e:{code}</e:Value></e:Code>'
        f'<e:Reason><e:Text xml:lang="de">{reason}</e:Text></e:Reason>{detail}</e:Fault></e:Body></e:Envelope>'
    )


def test_a_success_answer_gives_the_reference_the_receipt_path_selects() -> None:
    body = (
        f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><hs:VorgangAnlegenAntwort xmlns:hs="{NS}">'
        "<hs:Vorgangsnummer> HST-2026-000042 </hs:Vorgangsnummer></hs:VorgangAnlegenAntwort></s:Body></s:Envelope>"
    )
    assert read(answer(200, body)) == "HST-2026-000042"
    assert read(answer(202, "")) is None  # accepted without an answer (one-way operations)


@pytest.mark.parametrize(
    ("response", "error", "words"),
    [
        (answer(500, fault11("Server", "DB down")), TransientError, "SOAP fault Server: DB down"),
        (answer(500, fault11("Server.Timeout", "langsam")), TransientError, "SOAP fault Server: langsam"),
        (answer(500, fault11("Client", "PLZ fehlt")), PermanentError, "SOAP fault Client: PLZ fehlt"),
        (answer(500, fault11("MustUnderstand", "Header?")), PermanentError, "SOAP fault MustUnderstand"),
        (answer(500, fault12("Receiver", "busy"), "application/soap+xml"), TransientError, "Receiver: busy"),
        (answer(400, fault12("Sender", "kaputt"), "application/soap+xml"), PermanentError, "Sender: kaputt"),
        (answer(503, "<html>Service Unavailable</html>", "text/html"), TransientError, "503"),
        (answer(502, "Bad Gateway", "text/plain"), TransientError, "502"),
        (answer(404, "Not Found", "text/plain"), PermanentError, "404"),
        (answer(200, "<html><body>Wartungsseite</body></html>", "text/html"), TransientError, "no SOAP envelope"),
        (answer(200, "<s:Envelope", "text/xml"), TransientError, "unreadable answer"),
    ],
    ids=[
        "server",
        "server-dotted",
        "client",
        "must-understand",
        "receiver-1.2",
        "sender-1.2",
        "http-503",
        "http-502-text",
        "http-404",
        "html-200",
        "truncated-200",
    ],
)
def test_failures_are_classified(response: httpx.Response, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as caught:
        read(response)
    assert type(caught.value) is error
    assert words in str(caught.value)


def test_configured_details_overrule_the_fault_code() -> None:
    fachfehler = f'<hs:Fachfehler xmlns:hs="{NS}"><hs:Code>F1</hs:Code><hs:Text>doppelt</hs:Text></hs:Fachfehler>'
    detail = f"<detail>{fachfehler}</detail>"
    server = answer(500, fault11("Server", "abgelehnt", detail))
    client = answer(500, fault11("Client", "Wartung", detail))

    with pytest.raises(PermanentError, match=r"Server: abgelehnt \[Fachfehler: F1 doppelt\]"):
        read(server, FaultPolicy(permanent=frozenset({"Fachfehler"})))
    with pytest.raises(TransientError, match="Client: Wartung"):
        read(client, FaultPolicy(transient=frozenset({f"{{{NS}}}Fachfehler"})))


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-4711", encoding="utf-8")
    return path


def xxe_answer(secret: Path) -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><hs:VorgangAnlegenAntwort xmlns:hs="{NS}">'
        "<hs:Vorgangsnummer>&xxe;</hs:Vorgangsnummer></hs:VorgangAnlegenAntwort></s:Body></s:Envelope>"
    )


def test_an_answer_with_entities_is_refused_unread(secret: Path) -> None:
    with pytest.raises(PermanentError, match="refused unread") as caught:
        read(answer(200, xxe_answer(secret)))
    assert "TOP-SECRET-4711" not in str(caught.value)


@pytest.fixture
def evil_vendor(secret: Path) -> Iterator[ServerThread]:
    """A receiver that answers every request with an external entity pointing at a local file."""

    async def soap(request: Request) -> Response:
        await request.body()
        return Response(xxe_answer(secret), 200, media_type="text/xml; charset=utf-8")

    with ServerThread(Starlette(routes=[Route("/soap", soap, methods=["POST"])])) as server:
        yield server


def test_xxe_in_a_soap_answer_makes_the_delivery_dead_without_reading_the_file(
    soap_hub: SoapHub, evil_vendor: ServerThread
) -> None:
    # Given a destination whose receiver answers with an XXE payload aimed at a local file
    hub = soap_hub(address=f"{evil_vendor.url}/soap")

    # When a submission is delivered to it
    submission_id = submit(hub)

    # Then the answer is refused unread: the delivery is dead, and the file's content is nowhere
    delivery = wait_status(hub, submission_id, "failed")["deliveries"][0]
    assert (delivery["state"], delivery["attempts"], delivery["receipt"]) == ("dead", 1, None)
    assert "refused unread" in delivery["lastError"]
    assert "entities" in delivery["lastError"]
    assert "TOP-SECRET-4711" not in hub.api.get(f"/v1/submissions/{submission_id}/events").text
