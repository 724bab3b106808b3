"""The vendor SOAP connector under the attempt deadline, against the SOAP vendor simulator.

A slow or trickling receiver is cut at the deadline whatever the per-read timeout allows, a large
answer at the cap, and a 2xx answer that is no SOAP envelope (a proxy's page, with or without a
DTD) is retried instead of made dead. Timing bounds: ``attempt_deadline(2)`` with a 5 s per-read
timeout must end after 1.5 s (not before the deadline) and within 6 s (slack for a loaded machine).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.fachverfahren.soap import SoapConnector
from connectors.fachverfahren.soap.response import FaultPolicy, read_answer
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination, OutboundMessage
from hub.connectors.deadline import AnswerTooLarge, AttemptTimeout, attempt_deadline
from hub.errors import PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from hub.sim.kit.server import ServerThread
from hub.sim.soap_vendor import DEFAULT_WSDL
from tests.soap.conftest import STANDARD, SoapHub
from tests.soap.soap_support import inject, outcomes, received, submit
from tests.soap.test_soap_connector import submission
from tests.support.waiting import wait_for, wait_status

DEADLINE = 2.0
EARLIEST = 1.5
LATEST = 6.0
MESSAGE_ID = "6c1f0000-0000-4000-8000-0000000000d1"

APACHE_PROXY_ERROR = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
    "<html><head><title>502 Proxy Error</title></head><body><h1>Proxy Error</h1></body></html>"
)
XHTML_LOGIN_PAGE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Bitte anmelden</p></body></html>'
)


@pytest.fixture(scope="module")
def context() -> ConnectorContext:
    return ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"))


@pytest.fixture
def connector(vendor: ServerThread, vendor_sim: httpx.Client, context: ConnectorContext) -> Iterator[SoapConnector]:
    """A connector for Gladbeck's case at the vendor simulator; each read may take 5 s."""
    settings: dict[str, Any] = {
        "wsdlFile": str(DEFAULT_WSDL),
        "port": "HundesteuerSoap11",
        "operation": "VorgangAnlegen",
        "address": f"{vendor.url}/systems/gladbeck/soap",
        "messageIdParameter": "/NachrichtId",
        "receiptPath": "string(tns:VorgangAnlegenAntwort/tns:Vorgangsnummer)",
        "timeoutSeconds": 5,
    }
    made = SoapConnector(Destination("gladbeck-soap", "FV", "fachverfahren-soap", settings, STANDARD), context)
    yield made
    made.close()


@pytest.fixture
def message(connector: SoapConnector) -> OutboundMessage:
    return connector.build(submission(), MESSAGE_ID)


@pytest.mark.parametrize(
    "rule",
    [{"mode": "trickle", "intervalMs": 200}, {"mode": "latency", "latencyMs": 4000}],
    ids=["trickling-answer", "late-answer"],
)
def test_a_slow_receiver_is_cut_at_the_deadline(
    connector: SoapConnector, message: OutboundMessage, vendor_sim: httpx.Client, rule: dict[str, Any]
) -> None:
    # Given a vendor that answers slowly: each read (or the one wait) within the 5 s timeout
    inject(vendor_sim, **rule)

    # When the message is sent under a 2 s deadline
    started = time.monotonic()
    with pytest.raises(AttemptTimeout, match="attempt deadline of 2 s exceeded"), attempt_deadline(DEADLINE):
        connector.send(message)

    # Then the deadline ends it, not a read timeout and not the end of the answer
    assert EARLIEST <= time.monotonic() - started < LATEST

    # And the vendor did take the case (so it is not left to land in the next test)
    wait_for(lambda: received(vendor_sim), timeout=10, what="the vendor to store the late case")


def test_an_answer_over_the_cap_is_transient(connector: SoapConnector, message: OutboundMessage) -> None:
    # Given answers capped at 100 bytes (the vendor's answer is larger)
    # When the message is sent, Then the attempt fails as too large: transient, retried by policy
    with pytest.raises(AnswerTooLarge), attempt_deadline(10, max_answer_bytes=100):
        connector.send(message)


def test_a_proxy_page_with_200_is_transient_and_the_retry_delivers(
    connector: SoapConnector, message: OutboundMessage, vendor_sim: httpx.Client
) -> None:
    # Given a proxy in front of the vendor that answers the next request with its HTML page and 200
    inject(vendor_sim, mode="html", count=1)

    # When the message is sent, Then the attempt is transient and says what came instead
    with pytest.raises(TransientError) as raised, attempt_deadline(10):
        connector.send(message)
    assert not isinstance(raised.value, PermanentError)
    assert "VorgangAnlegen: the answer (HTTP 200) is no SOAP envelope: an HTML page (text/html" in str(raised.value)

    # And the next attempt gets the vendor's own answer
    with attempt_deadline(10):
        assert connector.send(message).reference is not None


def _read(status: int, body: str, media_type: str) -> None:
    response = httpx.Response(status, content=body.encode(), headers={"content-type": media_type})
    read_answer(response, operation="VorgangAnlegen", policy=FaultPolicy(), receipt_path=None, namespaces={})


@pytest.mark.parametrize(
    ("status", "body", "media_type", "words"),
    [
        (200, APACHE_PROXY_ERROR, "text/html; charset=iso-8859-1", "no SOAP envelope: an HTML page (text/html"),
        (502, APACHE_PROXY_ERROR, "text/html; charset=iso-8859-1", "502"),
        (200, XHTML_LOGIN_PAGE, "application/xhtml+xml", "no SOAP envelope: an HTML page (application/xhtml+xml"),
        (200, XHTML_LOGIN_PAGE, "text/xml", "no SOAP envelope: an HTML page (text/xml"),
        (200, '{"ok": true}', "application/json", "no SOAP envelope: something that is not XML"),
    ],
    ids=["apache-200", "apache-502", "xhtml-200", "xhtml-as-xml-200", "json-200"],
)
def test_a_page_with_an_external_dtd_is_no_envelope_not_an_attack(
    status: int, body: str, media_type: str, words: str
) -> None:
    # Given an answer that is an intermediary's page, whose DOCTYPE names an external DTD
    # When it is read, Then it is transient (the page is not parsed, so its DTD is no XXE refusal)
    with pytest.raises(TransientError) as raised:
        _read(status, body, media_type)
    assert type(raised.value) is TransientError
    assert words in str(raised.value)


def test_a_trickled_attempt_is_recorded_and_retried_by_the_worker(soap_hub: SoapHub, vendor_sim: httpx.Client) -> None:
    # Given a destination with a 2 s attempt deadline whose vendor trickles its next answer
    hub = soap_hub(attemptDeadlineSeconds=DEADLINE)
    inject(vendor_sim, mode="trickle", intervalMs=500, count=1)

    # When a submission is made
    submission_id = submit(hub)

    # Then the first attempt is recorded as transient (the deadline), and the retry delivers it
    delivery = wait_status(hub, submission_id, "delivered", timeout=30)["deliveries"][0]
    assert delivery["attempts"] == 2
    assert outcomes(hub, submission_id) == ["transient", "ok"]
    events = hub.api.get(f"/v1/submissions/{submission_id}/events").json()["events"]
    (timed_out,) = [e for e in events if e["kind"] == "attempt" and e["detail"]["outcome"] == "transient"]
    assert "attempt deadline of 2 s exceeded" in str(timed_out["detail"])
    assert [m["messageId"] for m in received(vendor_sim)] == [delivery["messageId"]]  # one case for both
