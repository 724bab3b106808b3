"""SOAP 1.2 envelopes of the XTA 2 simulator: reading requests, writing answers and faults.

Everything here is plain lxml so that what goes over the wire is exactly what the WSDL and the
schemas declare, not what a SOAP framework happens to produce. Faults follow SOAP 1.2 (Code,
Reason, Detail) and carry, in ``Detail``, the XTA exception element the WSDL names for the fault
(``xta:PermissionDeniedException`` ...) with its ``errorCode`` from the XTA error code list, so a
client can tell a refusal from a hiccup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from hub.sim.xta.schema import OSCI_NS, OSCIMETA_NS, SOAP12_NS, WSA_NS, XTA_NS

XML_NS = "http://www.w3.org/XML/1998/namespace"
SOAP12_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
ERROR_CODE_LIST = "urn:de:xta:webservice:codeliste:fehlernummer"
NSMAP = {"env": SOAP12_NS, "wsa": WSA_NS, "xta": XTA_NS, "osci": OSCI_NS, "oscimeta": OSCIMETA_NS}


def q(namespace: str, local: str) -> str:
    """Clark notation ``{ns}local``, as lxml wants element names."""
    return f"{{{namespace}}}{local}"


class FaultCode(StrEnum):
    """SOAP 1.2 fault codes: whose fault it is, which also decides the HTTP status."""

    SENDER = "Sender"
    RECEIVER = "Receiver"

    @property
    def http_status(self) -> int:
        return 400 if self is FaultCode.SENDER else 500


@dataclass(frozen=True, slots=True)
class XtaException:
    """An XTA exception as the WSDL declares it: detail element, error code, code name, fault code."""

    element: str
    code: str
    name: str
    fault_code: FaultCode


PERMISSION_DENIED = XtaException("PermissionDeniedException", "9011", "Account ist gesperrt.", FaultCode.SENDER)
TECHNICAL_PROBLEM = XtaException(
    "XTAWSTechnicalProblemException",
    "9030",
    "Interner Fehler beim XTA-Server bzw. XTA-Dienstleister",
    FaultCode.RECEIVER,
)
PARAMETER_NOT_VALID = XtaException(
    "ParameterIsNotValidException", "9022", "Ungültige Parameterkombination", FaultCode.SENDER
)
MESSAGE_ID_TAKEN = XtaException(
    "ParameterIsNotValidException", "9024", "MessageID ist bereits vergeben.", FaultCode.SENDER
)
INVALID_MESSAGE_ID = XtaException(
    "InvalidMessageIDException", "9070", "MessageID für den Account nicht bekannt.", FaultCode.SENDER
)


class SoapFault(Exception):
    """Raised by an operation handler; the app turns it into a fault envelope."""

    def __init__(self, reason: str, exception: XtaException | None = None, code: FaultCode | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.exception = exception
        self.code = code or (exception.fault_code if exception else FaultCode.SENDER)


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """A parsed request: its action, header blocks by name and the (at most one) body element."""

    action: str | None
    message_id: str | None
    headers: dict[str, etree._Element]
    body: etree._Element | None


def read_request(root: etree._Element, content_type: str | None) -> SoapRequest:
    """Split a schema-valid envelope; the action comes from ``wsa:Action`` or the media type's parameter."""
    if root.tag != q(SOAP12_NS, "Envelope"):
        raise SoapFault("not a SOAP 1.2 envelope")
    header = root.find(q(SOAP12_NS, "Header"))
    headers = {child.tag: child for child in header if isinstance(child.tag, str)} if header is not None else {}
    body_el = root.find(q(SOAP12_NS, "Body"))
    children = [c for c in body_el if isinstance(c.tag, str)] if body_el is not None else []
    if len(children) > 1:
        raise SoapFault("the XTA operations take at most one body element")
    action_el = headers.get(q(WSA_NS, "Action"))
    action = (action_el.text or "").strip() if action_el is not None else _action_parameter(content_type)
    id_el = headers.get(q(WSA_NS, "MessageID"))
    message_id = (id_el.text or "").strip() if id_el is not None else None
    return SoapRequest(action, message_id, headers, children[0] if children else None)


def _action_parameter(content_type: str | None) -> str | None:
    """SOAP 1.2 over HTTP carries the action as ``action="..."`` in the Content-Type."""
    for part in (content_type or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "action":
            return value.strip().strip('"')
    return None


def envelope(
    body: Iterable[etree._Element] = (),
    headers: Iterable[etree._Element] = (),
    *,
    action: str | None = None,
    relates_to: str | None = None,
) -> etree._Element:
    """An answer envelope; WS-Addressing ``Action``/``RelatesTo`` as the WSDL's addressing policy asks."""
    env = etree.Element(q(SOAP12_NS, "Envelope"), nsmap=NSMAP)
    header = etree.SubElement(env, q(SOAP12_NS, "Header"))
    for block in headers:
        header.append(block)
    if action:
        etree.SubElement(header, q(WSA_NS, "Action")).text = action
    if relates_to:
        etree.SubElement(header, q(WSA_NS, "RelatesTo")).text = relates_to
    body_el = etree.SubElement(env, q(SOAP12_NS, "Body"))
    for child in body:
        body_el.append(child)
    return env


def fault_envelope(fault: SoapFault) -> etree._Element:
    """``env:Fault`` with Code, Reason and, for XTA exceptions, the exception element in Detail."""
    env = etree.Element(q(SOAP12_NS, "Envelope"), nsmap=NSMAP)
    body = etree.SubElement(env, q(SOAP12_NS, "Body"))
    fault_el = etree.SubElement(body, q(SOAP12_NS, "Fault"))
    code = etree.SubElement(fault_el, q(SOAP12_NS, "Code"))
    etree.SubElement(code, q(SOAP12_NS, "Value")).text = f"env:{fault.code.value}"
    reason = etree.SubElement(fault_el, q(SOAP12_NS, "Reason"))
    text = etree.SubElement(reason, q(SOAP12_NS, "Text"))
    text.set(q(XML_NS, "lang"), "de")
    text.text = fault.reason
    if fault.exception is not None:
        detail = etree.SubElement(fault_el, q(SOAP12_NS, "Detail"))
        exc = etree.SubElement(detail, q(XTA_NS, fault.exception.element))
        error_code = etree.SubElement(exc, q(XTA_NS, "errorCode"), listURI=ERROR_CODE_LIST, listVersionID="1.0")
        # Code.Fehlernummer declares code and name form="unqualified": no namespace.
        etree.SubElement(error_code, "code").text = fault.exception.code
        etree.SubElement(error_code, "name").text = fault.exception.name
    return env


def to_bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
