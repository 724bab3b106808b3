"""A simulated XTA 2 server (XÖV Transport Adapter, version 2.1.1) speaking SOAP 1.2 over HTTP.

It implements, on the official WSDL's three ports, what a sender and a reader need:
``checkAccountActive``, ``lookupService``, ``createMessageId``, ``sendMessage`` and
``getTransportReport`` for sending; ``getStatusList``, ``getMessage`` and ``close`` for receiving.
The hub's XTA client is tested against it over real HTTP, so it is strict where a real XTA
server is: every request envelope is validated against the XTA schemas (a violation is a SOAP
fault), XML is parsed without DTDs, entities or network access, and every answer is checked
against the same schemas before it leaves, so zeep can always read it.

Endpoints: ``POST /xta/ManagementPort``, ``/xta/SendXtaPort``, ``/xta/MsgBoxPort``. Control API,
like the back-office simulator's: ``GET|POST|DELETE /_sim/faults`` with rules
``{"operation", "fault": "PermissionDenied"|"TechnicalProblem"|"ParameterNotSupported", "report":
"RED"|"YELLOW"|"OPEN", "reason", "latencyMs", "answerLatencyMs", "count"}`` (an OPEN or YELLOW
report turns GREEN once it has been read: delivery to the reader was still under way;
``answerLatencyMs`` holds the answer after the call was carried out), ``GET|DELETE /_sim/messages``,
``GET /_sim/messages/{id}``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.sim.xta.operations import OPERATIONS, PORTS, Context, Operation
from hub.sim.xta.schema import UnsafeXmlError, XtaSchema, load_schema, parse_request
from hub.sim.xta.soap import (
    PARAMETER_NOT_VALID,
    PERMISSION_DENIED,
    SOAP12_CONTENT_TYPE,
    TECHNICAL_PROBLEM,
    SoapFault,
    SoapRequest,
    XtaException,
    envelope,
    fault_envelope,
    read_request,
    to_bytes,
)
from hub.sim.xta.state import FaultName, FiredRules, XtaState

STATE_KEY = "xta"
"""Attribute of ``app.state`` holding the :class:`~hub.sim.xta.state.XtaState`."""

PORT_PATH = "/xta/{port}"

_INJECTED: dict[FaultName, XtaException] = {
    FaultName.PERMISSION_DENIED: PERMISSION_DENIED,
    FaultName.TECHNICAL_PROBLEM: TECHNICAL_PROBLEM,
    FaultName.PARAMETER_NOT_SUPPORTED: PARAMETER_NOT_VALID,
}


class _InvalidAnswer(RuntimeError):
    """The simulator built an answer the schemas reject: a bug here, never the client's fault."""


def port_url(base_url: str, port: str) -> str:
    """Where a port of a simulator served at ``base_url`` listens."""
    return base_url.rstrip("/") + PORT_PATH.format(port=port)


def _soap_response(root: etree._Element, status: int = 200) -> Response:
    return Response(to_bytes(root), status_code=status, media_type=SOAP12_CONTENT_TYPE)


def _fault_response(fault: SoapFault) -> Response:
    return _soap_response(fault_envelope(fault), fault.code.http_status)


def _json(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


def _operation(request: SoapRequest, port: str) -> Operation:
    """The operation a schema-valid request asks for, checked against its port and body element."""
    operation = OPERATIONS.get(request.action or "")
    if operation is None:
        raise SoapFault(f"action {request.action!r} is not an operation this simulator offers")
    if operation.port != port:
        raise SoapFault(f"{operation.name} is an operation of {operation.port}, not of {port}")
    got = request.body.tag if request.body is not None else None
    if got != operation.body:
        raise SoapFault(f"{operation.name} expects body element {operation.body}, got {got}", PARAMETER_NOT_VALID)
    return operation


async def _injected(state: XtaState, operation: str) -> FiredRules:
    """Apply the rules for this call: wait out their latency, raise an injected fault.

    Returns what fired: the rule that sets the transport report status of a message being sent, if
    any, and how long to hold the answer once the call is carried out.
    """
    fired = state.take_faults(operation)
    if fired.latency_ms:
        await asyncio.sleep(fired.latency_ms / 1000)
    if fired.fault is not None and fired.fault.fault is not None:
        exception = _INJECTED[fired.fault.fault]
        raise SoapFault(fired.fault.reason or exception.name, exception)
    return fired


async def _handle(request: Request, schema: XtaSchema, state: XtaState) -> Response:
    port: str = request.path_params["port"]
    if port not in PORTS:
        return Response(status_code=404)
    try:
        try:
            root = parse_request(await request.body())
        except (etree.XMLSyntaxError, UnsafeXmlError, ValueError) as exc:
            raise SoapFault(f"request refused: {exc}") from exc
        errors = schema.errors(root)
        if errors:
            raise SoapFault("request is not valid against the XTA schemas: " + "; ".join(errors[:5]))
        soap = read_request(root, request.headers.get("content-type"))
        operation = _operation(soap, port)
        fired = await _injected(state, operation.name)
        report = fired.report
        ctx = Context(
            state=state,
            server_identity=str(request.base_url).rstrip("/"),
            report=report.report if report else None,
            report_reason=report.reason if report else None,
        )
        answer = operation.handler(soap, ctx)
        if fired.answer_latency_ms:
            await asyncio.sleep(fired.answer_latency_ms / 1000)
    except SoapFault as fault:
        return _fault_response(fault)
    except Exception as exc:  # a bug in the simulator still answers like an XTA server would
        return _fault_response(SoapFault(f"simulator error: {exc}", TECHNICAL_PROBLEM))
    reply = envelope(answer.body, answer.headers, action=operation.action, relates_to=soap.message_id)
    errors = schema.errors(reply)
    if errors:
        raise _InvalidAnswer(f"{operation.name} answer is not schema-valid: {errors}")
    return _soap_response(reply)


def _state(request: Request) -> XtaState:
    state: XtaState = getattr(request.app.state, STATE_KEY)
    return state


def create_xta_app(wsdl_path: Path) -> Starlette:
    """The simulator as an ASGI app; ``wsdl_path`` is the official ``XTA.wsdl`` beside its XSDs."""
    schema = load_schema(wsdl_path)

    async def soap(request: Request) -> Response:
        return await _handle(request, schema, _state(request))

    async def list_messages(request: Request) -> Response:
        return _json(_state(request).messages())

    async def get_message(request: Request) -> Response:
        found = _state(request).get(request.path_params["message_id"])
        if found is None:
            return _json({"detail": "no such message"}, 404)
        return _json(found.to_json())

    async def reset_messages(request: Request) -> Response:
        _state(request).reset()
        return Response(status_code=204)

    async def list_faults(request: Request) -> Response:
        return _json(_state(request).faults())

    async def add_fault(request: Request) -> Response:
        try:
            rule = _state(request).add_fault(orjson.loads(await request.body()))
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _json({"detail": str(exc)}, 400)
        return _json(rule.to_json(), 201)

    async def clear_faults(request: Request) -> Response:
        _state(request).clear_faults()
        return Response(status_code=204)

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    app = Starlette(
        routes=[
            Route(PORT_PATH, soap, methods=["POST"]),
            Route("/_sim/messages", list_messages, methods=["GET"]),
            Route("/_sim/messages", reset_messages, methods=["DELETE"]),
            Route("/_sim/messages/{message_id:path}", get_message, methods=["GET"]),
            Route("/_sim/faults", list_faults, methods=["GET"]),
            Route("/_sim/faults", add_fault, methods=["POST"]),
            Route("/_sim/faults", clear_faults, methods=["DELETE"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    setattr(app.state, STATE_KEY, XtaState())
    return app


__all__ = ["STATE_KEY", "create_xta_app", "port_url"]
