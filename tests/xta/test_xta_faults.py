"""Injected XTA faults, reports, network failures and HTTP errors become the right hub error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.xoev.xta import XtaClient, XtaMetadata
from hub.errors import DeliveryError, PermanentError, TransientError
from hub.sim.kit.server import ServerThread
from tests.support.waiting import wait_for
from tests.xta.xta_support import GLADBECK, settings_for

MESSAGE = b"<nachricht/>"


def _inject(sim: httpx.Client, **rule: object) -> None:
    sim.post("/_sim/faults", json=rule).raise_for_status()


@pytest.mark.parametrize(
    ("fault", "error", "exception"),
    [
        ("PermissionDenied", PermanentError, "PermissionDeniedException 9011"),
        ("ParameterNotSupported", PermanentError, "ParameterIsNotValidException 9022"),
        ("TechnicalProblem", TransientError, "XTAWSTechnicalProblemException 9030"),
    ],
)
@pytest.mark.parametrize("operation", ["checkAccountActive", "lookupService", "sendMessage", "getTransportReport"])
def test_injected_fault_is_classified(
    sender: XtaClient,
    sim: httpx.Client,
    metadata: XtaMetadata,
    fault: str,
    error: type[Exception],
    exception: str,
    operation: str,
) -> None:
    _inject(sim, operation=operation, fault=fault, reason=f"simulated {fault}", count=1)

    with pytest.raises(error) as raised:
        sender.send_and_confirm(MESSAGE, metadata)

    assert type(raised.value) is error
    assert f"XTA {operation} refused: {exception}: simulated {fault}" in str(raised.value)


def test_fault_rule_with_count_lets_the_next_attempt_through(
    sender: XtaClient, sim: httpx.Client, metadata: XtaMetadata
) -> None:
    _inject(sim, fault="TechnicalProblem", count=1)

    with pytest.raises(TransientError):
        sender.send_and_confirm(MESSAGE, metadata)
    assert sender.send_and_confirm(MESSAGE, metadata)["reportStatus"] == "GREEN"


def test_red_report_is_permanent_with_its_reason(sender: XtaClient, sim: httpx.Client, metadata: XtaMetadata) -> None:
    _inject(sim, report="RED", reason="Empfänger-Zertifikat gesperrt", count=1)

    with pytest.raises(PermanentError, match=r"report RED .*Empfänger-Zertifikat gesperrt"):
        sender.send_and_confirm(MESSAGE, metadata)


@pytest.mark.parametrize("status", ["OPEN", "YELLOW"])
def test_open_or_yellow_report_is_not_yet_confirmed(
    sender: XtaClient, sim: httpx.Client, metadata: XtaMetadata, status: str
) -> None:
    _inject(sim, report=status, reason="Zustellung läuft", count=1)

    with pytest.raises(TransientError, match=f"not yet confirmed: report {status} \\(Zustellung läuft\\)"):
        sender.send_and_confirm(MESSAGE, metadata)


def test_timeout_is_transient(
    wsdl_path: Path, xta_server: ServerThread, sim: httpx.Client, metadata: XtaMetadata
) -> None:
    _inject(sim, operation="sendMessage", latencyMs=1500, count=1)

    with (
        XtaClient(settings_for(wsdl_path, xta_server.url, GLADBECK, timeout=0.3)) as client,
        pytest.raises(TransientError, match="XTA sendMessage: ReadTimeout"),
    ):
        client.send_and_confirm(MESSAGE, metadata)
    # The simulator still stores the message once its latency is over: wait for it, so that it
    # does not land in the next test's simulator (its fixture has cleared the messages by then).
    wait_for(lambda: len(sim.get("/_sim/messages").json()) == 1, timeout=10, what="the abandoned send to land")


def test_connection_refused_is_transient(wsdl_path: Path, metadata: XtaMetadata) -> None:
    with ServerThread(Starlette()) as gone:
        url = gone.url  # a port that was just free and is closed again below
    with (
        XtaClient(settings_for(wsdl_path, url, GLADBECK, timeout=2)) as client,
        pytest.raises(TransientError, match="XTA checkAccountActive: ConnectError"),
    ):
        client.send_and_confirm(MESSAGE, metadata)


@pytest.fixture(scope="module")
def plain_http_server() -> Iterator[ServerThread]:
    """Answers every POST with the status in the path and no SOAP body, like a proxy in trouble."""

    async def answer(request: Request) -> Response:
        return Response("upstream trouble", status_code=int(request.path_params["status"]), media_type="text/plain")

    with ServerThread(Starlette(routes=[Route("/{status:int}/{port:path}", answer, methods=["POST"])])) as server:
        yield server


@pytest.mark.parametrize(("status", "error"), [(503, TransientError), (502, TransientError), (404, PermanentError)])
def test_plain_http_errors_are_classified_by_status(
    wsdl_path: Path, plain_http_server: ServerThread, metadata: XtaMetadata, status: int, error: type[DeliveryError]
) -> None:
    with (
        XtaClient(settings_for(wsdl_path, f"{plain_http_server.url}/{status}", GLADBECK)) as client,
        pytest.raises(error) as raised,
    ):
        client.check_account_active()
    assert type(raised.value) is error
    assert raised.value.status_code == status


def test_fault_rules_are_validated(sim: httpx.Client) -> None:
    assert sim.post("/_sim/faults", json={"fault": "Nope"}).status_code == 400
    assert sim.post("/_sim/faults", json={"fualt": "PermissionDenied"}).status_code == 400
    assert sim.post("/_sim/faults", json={"operation": "close", "report": "RED"}).status_code == 400
    assert sim.get("/_sim/faults").json() == []
