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
:mod:`hub.sim.faults` (``status``, ``latency``, ``timeout``, ``drop`` and ``soapFault`` with
``faultCode`` ``Server``/``Client`` and ``detail`` ``Fachfehler``/``TechnischerFehler``),
``GET|DELETE /_sim/messages``, ``GET /_sim/messages/{NachrichtId}``, ``GET /_sim/stats``.
Tests in the same process can use :func:`vendor_state` instead.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.config import PROJECT_ROOT
from hub.schemas.model import SchemaSet
from hub.schemas.xsd import XsdValidator, compile_xsd
from hub.sim.control import control_routes, json_response
from hub.sim.faults import (
    SOAP_MODES,
    FaultBook,
    FaultMode,
    FaultRule,
    http_fault_response,
    quiet_simulated_drops,
    trickled,
)
from hub.xml import XmlError, parse_xml

STATE_KEY = "soap_vendor"
"""Attribute of ``app.state`` holding the :class:`SoapVendorState`."""

DEFAULT_WSDL = PROJECT_ROOT / "config" / "emscher-lippe" / "wsdl" / "hundesteuer-fachverfahren.wsdl"
NS = "urn:example:fachverfahren:hundesteuer:1"
OPERATION = "VorgangAnlegen"
SOAP_ACTION = f"{NS}:{OPERATION}"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SOAP11_MEDIA_TYPE = "text/xml"
SOAP12_MEDIA_TYPE = "application/soap+xml"
MAX_REQUEST_BYTES = 5 * 1024 * 1024

DETAIL_CODES = {"Fachfehler": "HST-F-100", "TechnischerFehler": "HST-T-500"}
"""The fault detail elements the WSDL declares, with the code the simulator puts in them."""
RECORDED_HEADERS = ("content-type", "soapaction", "x-hub-message-id", "x-correlation-id")


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(slots=True)
class ReceivedRequest:
    """A ``VorgangAnlegen`` the simulated vendor committed, as a test wants to inspect it."""

    system: str
    message_id: str
    vorgangsnummer: str
    soap_version: str
    envelope: bytes
    headers: dict[str, str]
    received_at: datetime
    digests: list[str] = field(default_factory=list)
    """SHA-256 of the request body of the first delivery and of every repeat, in order."""

    @property
    def repeats(self) -> int:
        return len(self.digests) - 1

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "messageId": self.message_id,
            "vorgangsnummer": self.vorgangsnummer,
            "soapVersion": self.soap_version,
            "envelope": self.envelope.decode("utf-8"),
            "headers": self.headers,
            "receivedAt": self.received_at.isoformat().replace("+00:00", "Z"),
            "repeats": self.repeats,
            "digests": list(self.digests),
        }


def _check_rule(rule: FaultRule) -> None:
    if rule.detail is not None and rule.detail not in DETAIL_CODES:
        raise ValueError(f"detail must be one of {sorted(DETAIL_CODES)}")


@dataclass
class SoapVendorState:
    """Requests, counters and fault rules; requests run on the server's loop while tests read copies."""

    faults: FaultBook = field(default_factory=lambda: FaultBook(SOAP_MODES, _check_rule))

    @property
    def fault_book(self) -> FaultBook:
        return self.faults

    requests: int = 0
    refused: int = 0
    _received: dict[tuple[str, str], ReceivedRequest] = field(default_factory=dict)
    _next_number: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request_started(self) -> None:
        with self._lock:
            self.requests += 1

    def request_refused(self) -> None:
        with self._lock:
            self.refused += 1

    def record(
        self, system: str, message_id: str, version: str, envelope: bytes, headers: dict[str, str]
    ) -> tuple[ReceivedRequest, bool]:
        """Store a request once per (system, NachrichtId); returns the stored one and whether it was known."""
        with self._lock:
            digest = hashlib.sha256(envelope).hexdigest()
            known = self._received.get((system, message_id))
            if known is not None:
                known.digests.append(digest)
                return known, True
            now = _utc_now()
            received = ReceivedRequest(
                system=system,
                message_id=message_id,
                vorgangsnummer=f"HST-{now.year}-{self._next_number:06d}",
                soap_version=version,
                envelope=envelope,
                headers=headers,
                received_at=now,
                digests=[digest],
            )
            self._next_number += 1
            self._received[(system, message_id)] = received
            return received, False

    def messages(self, system: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._received.values() if system is None or r.system == system]

    def message(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = next((r for r in self._received.values() if r.message_id == message_id), None)
            return found.to_json() if found is not None else None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "received": len(self._received), "refused": self.refused}

    def reset(self) -> None:
        """Forget requests and counters (not fault rules)."""
        with self._lock:
            self._received.clear()
            self.requests = self.refused = 0


class SoapFault(Exception):
    """Raised while handling a request; answered as a fault envelope of the request's SOAP version."""

    def __init__(self, reason: str, code: str = "Client", detail: str | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.detail = detail
        self.status = status


@dataclass(frozen=True, slots=True)
class SoapCall:
    version: str
    body: etree._Element
    message_id: str


def _version(content_type: str) -> str | None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return {SOAP11_MEDIA_TYPE: "1.1", SOAP12_MEDIA_TYPE: "1.2"}.get(media_type)


def _action(content_type: str, soapaction: str | None, version: str) -> str | None:
    if version == "1.1":
        return soapaction.strip().strip('"') if soapaction is not None else None
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "action":
            return value.strip().strip('"')
    return None


def read_call(data: bytes, content_type: str, soapaction: str | None, validator: XsdValidator) -> SoapCall:
    """Check a request as the vendor's SOAP stack would; raises :class:`SoapFault` naming what is wrong."""
    version = _version(content_type)
    if version is None:
        raise SoapFault(f"unsupported media type {content_type!r}", status=415)
    action = _action(content_type, soapaction, version)
    if version == "1.1" and action is None:
        raise SoapFault("a SOAP 1.1 request needs the SOAPAction header")
    if action not in (None, SOAP_ACTION):
        raise SoapFault(f"unknown SOAPAction {action!r}; this service offers {SOAP_ACTION!r}")
    if len(data) > MAX_REQUEST_BYTES:
        raise SoapFault(f"request larger than {MAX_REQUEST_BYTES} bytes")
    try:
        root = parse_xml(data)
    except XmlError as exc:
        raise SoapFault(f"request refused: {exc}") from exc
    envelope_ns = SOAP12_ENV if version == "1.2" else SOAP11_ENV
    if root.tag != _q(envelope_ns, "Envelope"):
        raise SoapFault(f"expected a SOAP {version} envelope, got {root.tag}", code="VersionMismatch")
    body = root.find(_q(envelope_ns, "Body"))
    children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
    if len(children) != 1:
        raise SoapFault("the Body must hold exactly one element")
    (element,) = children
    problems = validator.validate(copy.deepcopy(element))
    if problems:
        raise SoapFault("Schemaverletzung: " + "; ".join(str(p) for p in problems[:5]))
    if element.tag != _q(NS, OPERATION):
        raise SoapFault(f"operation {element.tag} is not offered")
    return SoapCall(version, element, str(element.findtext(_q(NS, "NachrichtId"))))


def answer_body(received: ReceivedRequest, repeat: bool) -> etree._Element:
    answer = etree.Element(_q(NS, "VorgangAnlegenAntwort"), nsmap={"hs": NS})
    etree.SubElement(answer, _q(NS, "Vorgangsnummer")).text = received.vorgangsnummer
    etree.SubElement(answer, _q(NS, "Eingang")).text = received.received_at.isoformat().replace("+00:00", "Z")
    etree.SubElement(answer, _q(NS, "Wiederholung")).text = "true" if repeat else "false"
    return answer


def envelope(version: str, body_child: etree._Element) -> bytes:
    namespace = SOAP12_ENV if version == "1.2" else SOAP11_ENV
    env = etree.Element(_q(namespace, "Envelope"), nsmap={"soapenv": namespace})
    etree.SubElement(env, _q(namespace, "Body")).append(body_child)
    return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))


def fault_element(version: str, fault: SoapFault) -> etree._Element:
    """``Fault`` as SOAP 1.1 (faultcode, faultstring, detail) or 1.2 (Code, Reason, Detail) words it."""
    detail_element = None
    if fault.detail is not None:
        detail_element = etree.Element(_q(NS, fault.detail), nsmap={"hs": NS})
        etree.SubElement(detail_element, _q(NS, "Code")).text = DETAIL_CODES[fault.detail]
        etree.SubElement(detail_element, _q(NS, "Text")).text = fault.reason
    if version == "1.2":
        code = {"Server": "Receiver", "Client": "Sender"}.get(fault.code, fault.code)
        element = etree.Element(_q(SOAP12_ENV, "Fault"), nsmap={"soapenv": SOAP12_ENV})
        etree.SubElement(
            etree.SubElement(element, _q(SOAP12_ENV, "Code")), _q(SOAP12_ENV, "Value")
        ).text = f"soapenv:{code}"
        text = etree.SubElement(etree.SubElement(element, _q(SOAP12_ENV, "Reason")), _q(SOAP12_ENV, "Text"))
        text.set(_q(XML_NS, "lang"), "de")
        text.text = fault.reason
        if detail_element is not None:
            etree.SubElement(element, _q(SOAP12_ENV, "Detail")).append(detail_element)
        return element
    element = etree.Element(_q(SOAP11_ENV, "Fault"), nsmap={"soapenv": SOAP11_ENV})
    etree.SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.reason
    if detail_element is not None:
        etree.SubElement(element, "detail").append(detail_element)
    return element


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


_json = json_response


class _InvalidAnswer(RuntimeError):
    """The simulator built an answer the schema rejects: a bug here, never the client's fault."""


async def _handle(request: Request, state: SoapVendorState, validator: XsdValidator, auth: str | None) -> Response:
    state.request_started()
    if auth is not None and request.headers.get("authorization") != auth:
        return Response("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="Fachverfahren"'}, "text/plain")
    content_type = request.headers.get("content-type", "")
    version = _version(content_type) or "1.1"
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
    answer = answer_body(*recorded)
    problems = validator.validate(answer)
    if problems:
        raise _InvalidAnswer(f"{OPERATION} answer is not schema-valid: {problems}")
    return trickled(fired, _soap_response(version, envelope(version, answer)))


def load_validator(wsdl_path: Path) -> XsdValidator:
    """The WSDL's schema compiled by lxml (its ``<types>`` and the XSDs they import)."""
    wsdl = wsdl_path.resolve()
    schemas = SchemaSet(id=f"wsdl:{wsdl.name}", standard="wsdl", version="", folder=wsdl.parent, entries=(wsdl.name,))
    return compile_xsd(schemas, wsdl.name)


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


__all__ = [
    "DEFAULT_WSDL",
    "NS",
    "SOAP_ACTION",
    "STATE_KEY",
    "ReceivedRequest",
    "SoapVendorState",
    "create_soap_vendor_app",
    "vendor_state",
]
