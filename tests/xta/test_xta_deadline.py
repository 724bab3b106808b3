"""XTA 2 under the attempt deadline: all five calls of a send share it, answers are capped, and a
2xx answer that is no SOAP envelope (a proxy's page, a body cut short) is transient.

Timing bounds: with ``attempt_deadline(2)`` and per-call timeouts of 5 s, a send must end after
1.5 s (not before the deadline) and within 6 s (generous slack for a loaded machine).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from connectors.xoev.connector import XtaConnector
from connectors.xoev.xta import XtaClient, XtaMetadata
from hub.config import PROJECT_ROOT
from hub.connectors.base import ConnectorContext, Destination, SubmissionData
from hub.connectors.deadline import AnswerTooLarge, AttemptTimeout, attempt_deadline
from hub.errors import DeliveryError, PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from hub.sim.kit.faults import PROXY_ERROR_PAGE
from hub.sim.kit.server import ServerThread
from tests.support.envelopes import sample
from tests.xta.test_xta_connector import xta_settings
from tests.xta.xta_support import GLADBECK, XTA_DIR, settings_for

MESSAGE = b"<nachricht/>"
DEADLINE = 2.0
EARLIEST = 1.5
LATEST = 6.0
TRICKLE_SECONDS_PER_BYTE = 0.02
"""An XTA answer has some hundred bytes: trickled, it takes well over 10 s; each read takes 20 ms."""

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
APACHE_PROXY_ERROR = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n'
    "<html><head><title>502 Proxy Error</title></head><body><h1>Proxy Error</h1></body></html>"
)


def _inject(sim: httpx.Client, **rule: object) -> None:
    sim.post("/_sim/faults", json=rule).raise_for_status()


def _stored(sim: httpx.Client) -> list[object]:
    messages: list[object] = sim.get("/_sim/messages").json()
    return messages


@pytest.fixture
def patient_sender(wsdl_path: Path, xta_server: ServerThread, sim: httpx.Client) -> Iterator[XtaClient]:
    """A client whose every call may take 5 s: longer than the whole attempt."""
    with XtaClient(settings_for(wsdl_path, xta_server.url, GLADBECK, timeout=5)) as client:
        yield client


def test_five_calls_each_within_their_timeout_cannot_add_up_past_the_deadline(
    patient_sender: XtaClient, sim: httpx.Client, metadata: XtaMetadata
) -> None:
    # Given an XTA server that takes 0.7 s for every call: five calls take 3.5 s, each well within 5 s
    _inject(sim, latencyMs=700)

    # When a message is sent under a 2 s deadline
    started = time.monotonic()
    with pytest.raises(AttemptTimeout, match="attempt deadline of 2 s exceeded"), attempt_deadline(DEADLINE):
        patient_sender.send_and_confirm(MESSAGE, metadata)
    elapsed = time.monotonic() - started

    # Then the deadline ends it during the third call, before anything was sent
    assert EARLIEST <= elapsed < LATEST
    assert _stored(sim) == []

    # And with room for all five calls the same send goes through
    with attempt_deadline(15):
        assert patient_sender.send_and_confirm(MESSAGE, metadata)["reportStatus"] == "GREEN"


async def _trickle(body: bytes) -> AsyncIterator[bytes]:
    for i in range(len(body)):
        await asyncio.sleep(TRICKLE_SECONDS_PER_BYTE)
        yield body[i : i + 1]


@pytest.fixture
def trickling_proxy(xta_server: ServerThread) -> Iterator[ServerThread]:
    """A proxy in front of the XTA simulator that passes each answer on one byte every 20 ms."""

    async def forward(request: Request) -> Response:
        async with httpx.AsyncClient(base_url=xta_server.url) as upstream:
            answer = await upstream.post(
                request.url.path,
                content=await request.body(),
                headers={"content-type": request.headers["content-type"]},
            )
        return StreamingResponse(
            _trickle(answer.content), answer.status_code, media_type=answer.headers.get("content-type")
        )

    with ServerThread(Starlette(routes=[Route("/{path:path}", forward, methods=["POST"])])) as proxy:
        yield proxy


def test_a_trickling_answer_is_cut_at_the_deadline(
    wsdl_path: Path, trickling_proxy: ServerThread, sim: httpx.Client, metadata: XtaMetadata
) -> None:
    # Given an XTA server reached through a proxy that trickles every answer (each read is quick)
    settings = settings_for(wsdl_path, trickling_proxy.url, GLADBECK, timeout=5)

    # When a message is sent under a 2 s deadline
    started = time.monotonic()
    with XtaClient(settings) as client, pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
        client.send_and_confirm(MESSAGE, metadata)

    # Then the read of the first answer is cut at the deadline, not one read (or one answer) later
    assert EARLIEST <= time.monotonic() - started < LATEST


def test_an_answer_over_the_cap_is_transient(sender: XtaClient, sim: httpx.Client, metadata: XtaMetadata) -> None:
    # Given answers capped at 100 bytes (every XTA answer is larger)
    # When a message is sent, Then the first answer fails the attempt as too large: transient
    with pytest.raises(AnswerTooLarge), attempt_deadline(10, max_answer_bytes=100):
        sender.send_and_confirm(MESSAGE, metadata)


def _answering(status: int, body: str, media_type: str) -> Starlette:
    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, status, media_type=media_type)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["POST"])])


@pytest.mark.parametrize(
    ("body", "media_type", "words"),
    [
        (PROXY_ERROR_PAGE, "text/html", "an HTML page (text/html"),
        (APACHE_PROXY_ERROR, "text/html; charset=iso-8859-1", "an HTML page (text/html"),
        ("<html><body>Anmeldung erforderlich</body></html>", "application/soap+xml", "an HTML page"),
        (f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><x:CreateMessageIdResponse', "application/soap+xml", "cut short"),
        ("", "application/soap+xml", "an empty body"),
        ('{"status": "ok"}', "application/json", "something that is not XML"),
        ("<status>ok</status>", "text/xml", "root element is status"),
    ],
    ids=["proxy-page", "apache-public-doctype", "html-as-soap", "truncated", "empty", "json", "other-xml"],
)
def test_a_2xx_answer_that_is_no_soap_envelope_is_transient(
    wsdl_path: Path, metadata: XtaMetadata, body: str, media_type: str, words: str
) -> None:
    # Given an XTA address behind which something answers 200 with what is not a SOAP envelope
    # When a message is sent
    with (
        ServerThread(_answering(200, body, media_type)) as impostor,
        XtaClient(settings_for(wsdl_path, impostor.url, GLADBECK, timeout=5)) as client,
        pytest.raises(TransientError) as raised,
    ):
        client.send_and_confirm(MESSAGE, metadata)

    # Then it is retried later, saying what came instead of an envelope; nothing makes it permanent
    assert not isinstance(raised.value, PermanentError)
    assert "XTA checkAccountActive: the answer (HTTP 200) is no SOAP envelope: " in str(raised.value)
    assert words in str(raised.value)
    assert raised.value.status_code == 200


@pytest.fixture(scope="module")
def context() -> ConnectorContext:
    return ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"))


def test_the_connectors_send_shares_one_deadline_across_its_calls(
    xta_server: ServerThread, sim: httpx.Client, context: ConnectorContext
) -> None:
    # Given an xoev-xta destination (as Bauportal, Gewerbe and xdomea over XTA inherit it) whose
    # server takes 0.7 s per call, each call allowed 5 s
    settings = xta_settings(xta_server.url, wsdl=str(XTA_DIR / "XTA.wsdl"), timeoutSeconds=5)
    connector = XtaConnector(Destination("x", "X", "xoev-xta", settings=settings), context)
    message = connector.build(SubmissionData("s-1", datetime.now(UTC), sample()), "m-1")
    _inject(sim, latencyMs=700)

    # When it is sent under a 2 s deadline
    started = time.monotonic()
    try:
        with pytest.raises(AttemptTimeout), attempt_deadline(DEADLINE):
            connector.send(message)
    finally:
        connector.close()

    # Then the deadline ends it in time, and nothing reached the reader
    assert EARLIEST <= time.monotonic() - started < LATEST
    assert _stored(sim) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(502, TransientError), (503, TransientError), (403, PermanentError)],
)
def test_a_page_with_a_dtd_is_classified_by_its_status_not_refused_as_a_dtd(
    wsdl_path: Path, metadata: XtaMetadata, status: int, error: type[Exception]
) -> None:
    # Given an XTA address behind which a proxy answers with its page, whose DOCTYPE names a DTD
    with (
        ServerThread(_answering(status, APACHE_PROXY_ERROR, "text/html")) as proxy,
        XtaClient(settings_for(wsdl_path, proxy.url, GLADBECK, timeout=5)) as client,
        pytest.raises(DeliveryError) as raised,
    ):
        # When a message is sent
        client.send_and_confirm(MESSAGE, metadata)

    # Then the status decides, as for any HTTP answer (zeep alone would refuse the DTD for good)
    assert type(raised.value) is error
    assert f"XTA checkAccountActive: HTTP {status}: an HTML page (text/html" in str(raised.value)
