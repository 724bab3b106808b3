"""A simulated vendor back office speaking SOAP: the sample "Hundesteuer-Fachverfahren" WSDL.

It implements ``VorgangAnlegen`` of ``config/emscher-lippe/wsdl/hundesteuer-fachverfahren.wsdl``
on both of its bindings, SOAP 1.1 and SOAP 1.2, at ``POST /systems/{system}/soap`` (the version
follows the request's media type, as on a real SOAP stack). It is strict where a vendor's stack is:
requests are parsed with the hub's safe parser (no DTDs, entities or network), the body element
is validated against the WSDL's schema with lxml, and the SOAPAction must be the operation's; a
violation is a Client (1.2: Sender) fault. Each request is stored once per ``NachrichtId`` and
system and answered with a ``Vorgangsnummer``; a repeat gets the same number and
``Wiederholung = true``. Every answer is validated against the same schema before it leaves.

Control API, like the REST back office's: ``GET|POST|DELETE /_sim/faults`` with the rules of
:mod:`hub.sim.kit.faults` (``status``, ``latency``, ``timeout``, ``drop`` and ``soapFault`` with
``faultCode`` ``Server``/``Client`` and ``detail`` ``Fachfehler``/``TechnischerFehler``),
``GET|DELETE /_sim/messages``, ``GET /_sim/messages/{NachrichtId}``, ``GET /_sim/stats``.
Tests in the same process can use :func:`vendor_state` instead.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.schemas.xsd import XsdValidator
from hub.sim.kit.control import control_routes
from hub.sim.kit.faults import FaultMode, http_fault_response, quiet_simulated_drops, trickled
from hub.sim.soap_vendor.envelopes import (
    DEFAULT_WSDL,
    OPERATION,
    SOAP11_MEDIA_TYPE,
    SOAP12_MEDIA_TYPE,
    SoapFault,
    answer_body,
    envelope,
    fault_element,
    load_validator,
    read_call,
    request_version,
)
from hub.sim.soap_vendor.state import ReceivedRequest, SoapVendorState

STATE_KEY = "soap_vendor"
"""Attribute of ``app.state`` holding the :class:`SoapVendorState`."""

RECORDED_HEADERS = ("content-type", "soapaction", "x-hub-message-id", "x-correlation-id")


def _fault_response(version: str, fault: SoapFault) -> Response:
    if fault.status == 415:
        return Response(fault.reason, 415, media_type="text/plain")
    # SOAP 1.1 sends every fault with 500; SOAP 1.2 a Sender fault with 400 (SOAP 1.2 part 2, 7.5.2.2).
    default = 400 if version == "1.2" and fault.code in ("Client", "VersionMismatch") else 500
    return _soap_response(version, envelope(version, fault_element(version, fault)), fault.status or default)


def _soap_response(version: str, content: bytes, status: int = 200) -> Response:
    media_type = SOAP12_MEDIA_TYPE if version == "1.2" else SOAP11_MEDIA_TYPE
    return Response(content, status, media_type=f"{media_type}; charset=utf-8")


def _text(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    """What a proxy in front of the vendor says: no SOAP, just a status and a line of text."""
    return Response(reason, status, headers, media_type="text/plain")


class _InvalidAnswer(RuntimeError):
    """The simulator built an answer the schema rejects: a bug here, never the client's fault."""


async def _handle(request: Request, state: SoapVendorState, validator: XsdValidator, auth: str | None) -> Response:
    state.request_started()
    if auth is not None and request.headers.get("authorization") != auth:
        return Response("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="Fachverfahren"'}, "text/plain")
    content_type = request.headers.get("content-type", "")
    version = request_version(content_type) or "1.1"
    try:
        call = read_call(await request.body(), content_type, request.headers.get("soapaction"), validator)
    except SoapFault as fault:
        state.request_refused()
        return _fault_response(version, fault)
    system: str = request.path_params["system"]
    headers = {name: request.headers[name] for name in RECORDED_HEADERS if name in request.headers}
    data = await request.body()
    recorded: tuple[ReceivedRequest, bool] | None = None
    fired = state.faults.take(system)
    for rule in fired:
        if rule.record_first and recorded is None:
            recorded = state.record(system, call.message_id, version, data, headers)
        if rule.mode is FaultMode.LATENCY:
            await asyncio.sleep((rule.latency_ms or 0) / 1000)
        if rule.mode.proceeds:
            continue
        if rule.mode is FaultMode.SOAP_FAULT:
            injected = SoapFault(rule.reason, rule.fault_code or "Server", rule.detail, rule.status)
            return trickled(fired, _fault_response(version, injected))
        return trickled(fired, await http_fault_response(rule, request, _text))
    if recorded is None:
        recorded = state.record(system, call.message_id, version, data, headers)
    received, repeat = recorded
    answer = answer_body(received.vorgangsnummer, received.received_at, repeat)
    problems = validator.validate(answer)
    if problems:
        raise _InvalidAnswer(f"{OPERATION} answer is not schema-valid: {problems}")
    return trickled(fired, _soap_response(version, envelope(version, answer)))


def vendor_state(app: Starlette) -> SoapVendorState:
    state: SoapVendorState = getattr(app.state, STATE_KEY)
    return state


def create_soap_vendor_app(wsdl_path: Path = DEFAULT_WSDL, *, basic_auth: tuple[str, str] | None = None) -> Starlette:
    """The simulator as an ASGI app; with ``basic_auth`` (user, password) requests need those credentials."""
    quiet_simulated_drops()
    validator = load_validator(wsdl_path)
    auth = f"Basic {base64.b64encode(':'.join(basic_auth).encode()).decode()}" if basic_auth else None

    def state_of(request: Request) -> SoapVendorState:
        return vendor_state(request.app)

    async def soap(request: Request) -> Response:
        return await _handle(request, state_of(request), validator, auth)

    def find(state: SoapVendorState, message_id: str, _system: str | None) -> dict[str, Any] | None:
        return state.message(message_id)

    app = Starlette(
        routes=[
            Route("/systems/{system}/soap", soap, methods=["POST"]),
            *control_routes(state_of, find=find),
        ]
    )
    setattr(app.state, STATE_KEY, SoapVendorState())
    return app
