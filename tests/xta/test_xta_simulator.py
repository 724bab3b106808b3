"""The simulator as a strict XTA server: schema validation, XXE refusal, answers valid against the schemas."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.sim.kit.server import ServerThread
from hub.sim.xta import port_url
from hub.sim.xta.schema import load_schema

ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP12 = "application/soap+xml; charset=utf-8"
NS = {"env": ENV, "xta": "http://xoev.de/transport/xta/211"}


def _post(server: ServerThread, port: str, body: str | bytes, action: str) -> httpx.Response:
    headers = {"Content-Type": f'{SOAP12}; action="{action}"'}
    content = body.encode() if isinstance(body, str) else body
    return httpx.post(port_url(server.url, port), content=content, headers=headers, timeout=5)


def _fault(response: httpx.Response, wsdl_path: Path) -> etree._Element:
    """The fault of an answer, after checking the answer is itself valid against the schemas."""
    root = etree.fromstring(response.content)
    assert load_schema(wsdl_path).errors(root) == []
    fault = root.find("env:Body/env:Fault", NS)
    assert fault is not None
    return fault


def test_request_not_valid_against_the_schema_gets_a_sender_fault(
    xta_server: ServerThread, sim: httpx.Client, wsdl_path: Path
) -> None:
    body = f"""<env:Envelope xmlns:env="{ENV}"><env:Body>
      <xta:LookupServiceRequest xmlns:xta="http://xoev.de/transport/xta/211">
        <xta:LookupServiceRequestList><xta:ServiceType>urn:ohne-leser</xta:ServiceType></xta:LookupServiceRequestList>
      </xta:LookupServiceRequest></env:Body></env:Envelope>"""

    response = _post(xta_server, "ManagementPort", body, "http://www.xta.de/XTA/IsServiceAvailable")

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/soap+xml")
    fault = _fault(response, wsdl_path)
    assert fault.findtext("env:Code/env:Value", namespaces=NS) == "env:Sender"
    assert "not valid against the XTA schemas" in (fault.findtext("env:Reason/env:Text", namespaces=NS) or "")


def test_body_that_does_not_fit_the_action_is_refused(
    xta_server: ServerThread, sim: httpx.Client, wsdl_path: Path
) -> None:
    body = f"""<env:Envelope xmlns:env="{ENV}"><env:Body>
      <wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:x</wsa:MessageID></env:Body></env:Envelope>"""

    response = _post(xta_server, "SendXtaPort", body, "http://www.xta.de/XTA/SendMessage")

    fault = _fault(response, wsdl_path)
    assert fault.find("env:Detail/xta:ParameterIsNotValidException", NS) is not None


def test_operation_on_the_wrong_port_is_refused(xta_server: ServerThread, sim: httpx.Client, wsdl_path: Path) -> None:
    body = f'<env:Envelope xmlns:env="{ENV}"><env:Body/></env:Envelope>'

    response = _post(xta_server, "MsgBoxPort", body, "http://www.xta.de/XTA/CreateMessageID")

    assert response.status_code == 400
    assert "not of MsgBoxPort" in (_fault(response, wsdl_path).findtext("env:Reason/env:Text", namespaces=NS) or "")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe: opening it for reading blocks, so a parser that tried would hang, not pass."""
    path = tmp_path / "secret"
    os.mkfifo(path)
    return path


def _nobody_opened(path: Path) -> bool:
    """Opening a FIFO for writing without blocking fails with ENXIO exactly when no reader has it open."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        return exc.errno == errno.ENXIO
    os.write(fd, b"unblock")  # let a stuck reader go before we report it
    os.close(fd)
    return False


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM "file://{path}">]>',
        '<!DOCTYPE env:Envelope SYSTEM "file://{path}">',
        '<!DOCTYPE env:Envelope [<!ENTITY % ext SYSTEM "file://{path}"> %ext;]>',
    ],
)
def test_xxe_is_refused_without_reading_the_file(
    xta_server: ServerThread, sim: httpx.Client, wsdl_path: Path, fifo: Path, doctype: str
) -> None:
    payload = (
        '<?xml version="1.0"?>'
        + doctype.format(path=fifo)
        + f'<env:Envelope xmlns:env="{ENV}"><env:Body>'
        + '<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:x:&xxe;</wsa:MessageID>'
        + "</env:Body></env:Envelope>"
    )
    payload = payload.replace("&xxe;", "&xxe;" if "ENTITY xxe" in doctype else "")

    response = _post(xta_server, "ManagementPort", payload, "http://www.xta.de/XTA/GetTransportReport")

    assert _nobody_opened(fifo)
    assert response.status_code == 400
    reason = _fault(response, wsdl_path).findtext("env:Reason/env:Text", namespaces=NS) or ""
    assert reason.startswith("request refused")
    assert sim.get("/_sim/messages").json() == []


def test_control_api_lists_and_resets_messages(xta_server: ServerThread, sim: httpx.Client) -> None:
    assert sim.get("/_sim/messages").json() == []
    assert sim.get("/_sim/messages/urn:unknown").status_code == 404
    assert sim.delete("/_sim/messages").status_code == 204
    assert sim.get("/healthz").json() == {"status": "ok"}
