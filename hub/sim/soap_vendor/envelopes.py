"""SOAP envelopes of the vendor simulator: reading a ``VorgangAnlegen`` call, writing answers and faults.

Both bindings of the sample WSDL are served, SOAP 1.1 and 1.2; the version follows the request's
media type. A request is checked as the vendor's SOAP stack would (media type, SOAPAction, size,
the safe parser, one body element valid against the WSDL's schema); what fails is a
:class:`SoapFault` worded in the request's SOAP version.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from hub.config import PROJECT_ROOT
from hub.schemas.model import SchemaSet
from hub.schemas.xsd import XsdValidator, compile_xsd
from hub.xml import XmlError, parse_xml

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


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


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


def request_version(content_type: str) -> str | None:
    """``"1.1"`` or ``"1.2"`` by the request's media type; None for one SOAP does not use."""
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
    version = request_version(content_type)
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


def answer_body(vorgangsnummer: str, received_at: datetime, repeat: bool) -> etree._Element:
    """``VorgangAnlegenAntwort``: the Vorgangsnummer, when it came in, and whether it is a repeat."""
    answer = etree.Element(_q(NS, "VorgangAnlegenAntwort"), nsmap={"hs": NS})
    etree.SubElement(answer, _q(NS, "Vorgangsnummer")).text = vorgangsnummer
    etree.SubElement(answer, _q(NS, "Eingang")).text = received_at.isoformat().replace("+00:00", "Z")
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


def load_validator(wsdl_path: Path) -> XsdValidator:
    """The WSDL's schema compiled by lxml (its ``<types>`` and the XSDs they import)."""
    wsdl = wsdl_path.resolve()
    schemas = SchemaSet(id=f"wsdl:{wsdl.name}", standard="wsdl", version="", folder=wsdl.parent, entries=(wsdl.name,))
    return compile_xsd(schemas, wsdl.name)
